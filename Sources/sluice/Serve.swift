import ArgumentParser
import Dispatch
import Foundation
import Logging
import SluiceBroker

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `sluice serve`: runs a broker. Works with no options at all (data in ./data, 127.0.0.1:9092).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a broker.")

    @Option(name: .long, help: "Directory for logs and metadata.")
    var dataDir: String?

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen: String?

    @Option(name: .long, help: "Address given to clients, HOST:PORT (default: the listen address).")
    var advertisedListener: String?

    @Option(name: .long, help: "This broker's node id.")
    var nodeId: Int32?

    @Option(name: .long, help: "A properties file with Kafka config names (server.properties style).")
    var config: String?

    @Option(name: .long, help: "Set one config, KEY=VALUE (Kafka names, e.g. log.segment.bytes=1048576). Repeatable.")
    var set: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "sluice")
        let options: BrokerOptions
        do {
            options = try makeOptions()
        } catch {
            logger.critical("invalid configuration: \(error)")
            throw ExitCode(2)
        }
        let broker: Broker
        do {
            broker = try await Broker.start(options: options, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        async let serving: Void = broker.run()
        let signal = await Self.waitForTerminationSignal()
        logger.info("received \(signal)")
        await broker.shutdown()
        await serving
    }

    /// Options from (lowest to highest precedence) defaults, the config file, --set, and the flags.
    func makeOptions() throws -> BrokerOptions {
        var options = BrokerOptions()
        if let config { try options.load(propertiesFile: config) }
        for pair in set {
            guard let equals = pair.firstIndex(of: "=") else {
                throw ValidationError("--set takes KEY=VALUE, got '\(pair)'")
            }
            try options.set(String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
        }
        if let dataDir { options.dataDirectory = dataDir }
        if let listen {
            (options.listenHost, options.listenPort) = try BrokerOptions.parseListener(listen, key: "--listen")
        }
        if let advertisedListener {
            let (host, port) = try BrokerOptions.parseListener(advertisedListener, key: "--advertised-listener")
            (options.advertisedHost, options.advertisedPort) = (host, port)
        }
        if let nodeId { options.nodeId = nodeId }
        return options
    }

    /// Suspends until SIGINT or SIGTERM arrives; returns its name.
    static func waitForTerminationSignal() async -> String {
        await withCheckedContinuation { continuation in
            let once = SignalOnce(continuation)
            for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { once.fire(name) }
                source.resume()
                once.keep(source)
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Resumes the waiting continuation on the first signal only, and keeps the sources alive.
private final class SignalOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<String, Never>?
    private var sources: [any DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<String, Never>) {
        self.continuation = continuation
    }

    func keep(_ source: any DispatchSourceSignal) {
        lock.withLock { sources.append(source) }
    }

    func fire(_ name: String) {
        let waiting = lock.withLock { () -> CheckedContinuation<String, Never>? in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: name)
    }
}
