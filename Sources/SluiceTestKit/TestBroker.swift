import Foundation
import Logging
import SluiceBroker

/// A broker started in-process on a fresh temporary data directory and a free port.
public final class TestBroker: Sendable {
    public let broker: Broker
    public let dataDirectory: String
    public var port: Int { broker.port }
    private let serving: Task<Void, Never>

    /// Starts a broker; `configs` are Kafka-named static configs (as with `--set`). `port` 0
    /// picks a free one; pass a stopped broker's port to restart it where clients expect it.
    public static func start(
        configs: [String: String] = [:], dataDirectory: String? = nil, port: Int = 0,
        logLevel: Logger.Level = .warning
    ) async throws -> TestBroker {
        let directory = dataDirectory ?? Self.temporaryDirectory()
        var options = BrokerOptions()
        options.dataDirectory = directory
        options.listenHost = "127.0.0.1"
        options.listenPort = port
        for (key, value) in configs.sorted(by: { $0.key < $1.key }) { try options.set(key, value) }
        var logger = Logger(label: "test-broker")
        logger.logLevel = logLevel
        let broker = try await Broker.start(options: options, logger: logger)
        return TestBroker(broker: broker, dataDirectory: directory)
    }

    private init(broker: Broker, dataDirectory: String) {
        self.broker = broker
        self.dataDirectory = dataDirectory
        serving = Task { await broker.run() }
    }

    /// Clean shutdown: flushes and writes the clean-shutdown marker.
    public func stop() async {
        await broker.shutdown()
        await serving.value
    }

    /// Stops the broker and removes its data directory.
    public func stopAndRemove() async {
        await stop()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    public static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "sluice-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
