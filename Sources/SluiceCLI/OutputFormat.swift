import ArgumentParser
import Foundation

/// How a command prints its result: aligned tables for people, JSON for scripts.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table
    case json
}

/// Options every client subcommand shares: where the broker is, how long to wait, how to print.
public struct ClientOptions: ParsableArguments, Sendable {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Broker address(es), HOST:PORT[,HOST:PORT]; default $SLUICE_BOOTSTRAP, else \(ClientOptions.fallbackBootstrap)."
        ))
    public var bootstrap: String = ClientOptions.defaultBootstrap(environment: ProcessInfo.processInfo.environment)

    @Option(name: .long, help: "Seconds to wait for the broker before giving up (exit 69 if unreachable).")
    public var timeout: Double = 10

    @Option(name: [.short, .long], help: "Output: table (for people) or json (for scripts).")
    public var output: OutputFormat = .table

    public init() {}

    public static let fallbackBootstrap = "127.0.0.1:9092"

    /// `SLUICE_BOOTSTRAP` when set and not blank, else 127.0.0.1:9092.
    public static func defaultBootstrap(environment: [String: String]) -> String {
        let value = environment["SLUICE_BOOTSTRAP"]?.trimmingCharacters(in: .whitespaces) ?? ""
        return value.isEmpty ? fallbackBootstrap : value
    }

    public func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
        for server in bootstrap.split(separator: ",") {
            guard let colon = server.lastIndex(of: ":"), Int(server[server.index(after: colon)...]) != nil,
                colon != server.startIndex
            else {
                throw ValidationError("--bootstrap: '\(server)' is not HOST:PORT")
            }
        }
    }

    /// The timeout as a `Duration`.
    public var timeoutDuration: Duration { .milliseconds(Int64(timeout * 1000)) }
}
