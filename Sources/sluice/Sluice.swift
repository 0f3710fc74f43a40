import ArgumentParser
import SluiceCLI

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "An event-streaming broker that speaks the Apache Kafka protocol, and its command-line client.",
        discussion: """
            Client subcommands talk to --bootstrap (default $SLUICE_BOOTSTRAP, else 127.0.0.1:9092). \
            Exit codes: 0 ok, 1 the broker answered with a Kafka error, 64 usage, 65 bad input data, \
            66 input file unreadable, 69 no broker reachable, 75 timed out.
            """,
        subcommands: [Serve.self, Topic.self, Produce.self, Consume.self, Group.self, Cluster.self, Bench.self],
        defaultSubcommand: Serve.self)

    /// `sluice` alone still runs `serve`; a first word that is no subcommand (a typo such as
    /// `sluice topci`) is reported as such instead of as an unexpected argument to `serve`.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        if let first = arguments.first, !first.hasPrefix("-"), !names.contains(first) {
            StandardError.write(
                "error: unknown subcommand '\(first)'\nhint: subcommands are \(names.dropLast().joined(separator: ", ")); see `sluice --help`.\n"
            )
            Sluice.exit(withError: ExitCode.validationFailure)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
