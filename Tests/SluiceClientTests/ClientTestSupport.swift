import Logging
import SluiceClient
import SluiceTestKit

/// A broker in-process plus client configs pointing at it.
struct ClientFixture {
    let broker: TestBroker
    var bootstrap: String { "127.0.0.1:\(broker.port)" }
    var logger: Logger {
        var logger = Logger(label: "client-tests")
        logger.logLevel = .warning
        return logger
    }

    static func start(configs: [String: String] = [:]) async throws -> ClientFixture {
        ClientFixture(broker: try await TestBroker.start(configs: configs))
    }

    func admin() -> Admin { Admin(config: ClientConfig(bootstrap: bootstrap), logger: logger) }

    func producer(_ configure: (inout ProducerConfig) -> Void = { _ in }) -> Producer {
        var config = ProducerConfig(bootstrap: bootstrap)
        configure(&config)
        return Producer(config: config, logger: logger)
    }

    func stop() async { await broker.stopAndRemove() }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
