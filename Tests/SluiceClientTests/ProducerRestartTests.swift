import Foundation
import SluiceClient
import SluiceTestKit
import Testing

@Suite(.timeLimit(.minutes(2))) struct ProducerRestartTests {
    /// The broker goes away mid-stream and comes back on the same port: the producer retries
    /// (reconnecting, refreshing metadata), and idempotence keeps every record exactly once, in order.
    @Test func recordsSentAcrossABrokerRestartArriveOnceAndInOrder() async throws {
        let first = try await TestBroker.start()
        let port = first.port
        let directory = first.dataDirectory
        var config = ProducerConfig(bootstrap: "127.0.0.1:\(port)")
        config.linger = .milliseconds(2)
        config.batchSize = 2048
        config.client.retryBackoff = .milliseconds(50)
        config.client.retryBackoffMax = .milliseconds(200)
        config.client.requestTimeout = .seconds(5)
        let fixture = ClientFixture(broker: first)
        let producer = Producer(config: config, logger: fixture.logger)
        let delivered = DeliveryLog()
        let total = 3000
        let sending = Task {
            for index in 0..<total {
                try await producer.produce(ProducerRecord(topic: "restarted", partition: 0, value: bytes("\(index)"))) {
                    delivered.record($0)
                }
                if index % 100 == 99 { try await Task.sleep(for: .milliseconds(5)) }
            }
            try await producer.flush()
        }
        try await Task.sleep(for: .milliseconds(100))
        await first.stop()
        try await Task.sleep(for: .milliseconds(500))
        let second = try await TestBroker.start(dataDirectory: directory, port: port)
        try await sending.value
        #expect(delivered.failures == 0, "first failure: \(String(describing: delivered.firstError))")
        #expect(delivered.successes.count == total)

        let consumer = ClientFixture(broker: second).consumer()
        try consumer.assign([TopicPartition("restarted", 0)])
        let records = try await pollRecords(consumer, count: total)
        #expect(records.map { String(decoding: $0.value ?? [], as: UTF8.self) } == (0..<total).map { "\($0)" })
        #expect(records.map(\.offset) == Array(0..<Int64(total)))
        await consumer.close()
        try await producer.close()
        await second.stopAndRemove()
    }
}
