import ArgumentParser

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "An event-streaming broker that speaks the Apache Kafka protocol.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self)
}
