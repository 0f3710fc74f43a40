import ArgumentParser
import Dispatch
import Foundation
import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import SluiceCLI
import SluiceClient

/// What every client subcommand (topic, produce, consume, group, cluster, bench) does around its
/// work: a logger on stderr, client settings from the shared options, and one way to fail.
enum ClientSupport {
    /// Client logs go to stderr at warning and above (SLUICE_LOG_LEVEL overrides), so stdout stays data.
    static func makeLogger() -> Logger {
        let level =
            ProcessInfo.processInfo.environment["SLUICE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        var logger = Logger(label: "sluice") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        logger.logLevel = level
        return logger
    }

    /// Client settings: the bootstrap list, with connect and request timeouts of `--timeout`.
    static func clientConfig(_ options: ClientOptions) -> ClientConfig {
        var config = ClientConfig(bootstrap: options.bootstrap)
        config.clientId = "sluice-cli"
        config.connectTimeout = options.timeoutDuration
        config.requestTimeout = options.timeoutDuration
        return config
    }

    /// Runs `body`; any failure is printed (message and hint) to stderr and the process exits with
    /// the failure's documented code. Exiting here, rather than unwinding, means a call stuck on a
    /// dead broker cannot keep the process alive past its deadline.
    static func run(_ options: ClientOptions, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            fail(failure(for: error, options: options))
        }
    }

    /// Runs `body` but gives up after `--timeout` seconds with exit 75 (or 69 when nothing answered).
    static func withDeadline<T: Sendable>(
        _ options: ClientOptions, what: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: options.timeoutDuration)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                // Clients retry a cluster they cannot reach, so running out of time may mean "no broker there".
                if !anyBootstrapAcceptsConnections(options.bootstrap) {
                    fail(.unreachable(bootstrap: options.bootstrap))
                }
                fail(
                    .timedOut("\(what): no answer from \(options.bootstrap) within \(formatSeconds(options.timeout)) s")
                )
            }
            return value
        }
    }

    static func failure(for error: any Error, options: ClientOptions) -> CLIFailure {
        switch error {
        case let failure as CLIFailure: return failure
        case let error as KafkaClientError:
            switch error {
            case .broker(let code, let context): return .kafka(code, context: context)
            case .noBrokerReachable: return .unreachable(bootstrap: options.bootstrap)
            case .connectionClosed(let peer): return .unreachable(bootstrap: "\(options.bootstrap) (\(peer))")
            case .timedOut(let what): return .timedOut(what)
            case .invalidArgument(let why): return .badInput(why)
            default: return .other(error.description)
            }
        default: return .other("\(error)")
        }
    }

    static func fail(_ failure: CLIFailure) -> Never {
        StandardError.write(failure.rendered + "\n")
        exit(failure.exitCode)
    }

    static func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

/// Set once SIGINT or SIGTERM arrives, for commands that stop cleanly (consume commits first).
/// `@unchecked`: `sources` is written only inside `watch()`, before the value is shared; it is kept
/// so the dispatch sources live as long as the command.
final class StopSignal: @unchecked Sendable {
    private let stopped = NIOLockedValueBox(false)
    private var sources: [any DispatchSourceSignal] = []

    /// Starts watching SIGINT and SIGTERM; a second signal exits at once (130).
    static func watch() -> StopSignal {
        let stop = StopSignal()
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.stopped.withLockedValue({ old in
                    defer { old = true }; return old
                }) {
                    exit(130)
                }
            }
            source.resume()
            stop.sources.append(source)
        }
        return stop
    }

    var requested: Bool { stopped.withLockedValue { $0 } }
}

/// Prints to stdout without Swift's line buffering surprises when piped.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
