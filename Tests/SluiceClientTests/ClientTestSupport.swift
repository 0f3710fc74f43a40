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

extension ClientFixture {
    func consumer(group: String? = nil, _ configure: (inout ConsumerConfig) -> Void = { _ in }) -> Consumer {
        var config = ConsumerConfig(bootstrap: bootstrap, groupId: group)
        config.autoOffsetReset = .earliest
        config.fetchMaxWait = .milliseconds(100)
        config.heartbeatInterval = .milliseconds(300)
        config.sessionTimeout = .seconds(10)
        config.rebalanceTimeout = .seconds(10)
        configure(&config)
        return Consumer(config: config, logger: logger)
    }
}

/// Polls until `count` records arrived or `timeout` passed.
func pollRecords(_ consumer: Consumer, count: Int, timeout: Duration = .seconds(20)) async throws -> [ConsumerRecord] {
    var records: [ConsumerRecord] = []
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while records.count < count, clock.now < deadline {
        records += try await consumer.poll(timeout: .milliseconds(200))
    }
    return records
}
