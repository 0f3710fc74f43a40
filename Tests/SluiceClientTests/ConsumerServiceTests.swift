import Logging
import ServiceLifecycle
import SluiceClient
import Testing

@Suite(.timeLimit(.minutes(2))) struct ConsumerServiceTests {
    @Test func gracefulShutdownClosesTheConsumerAndLeavesTheGroup() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer()
        _ = try await producer.send(ProducerRecord(topic: "served", value: bytes("x")))
        let consumer = fixture.consumer(group: "service") { $0.groupProtocol = .consumer }
        try consumer.subscribe(topics: ["served"])
        let group = ServiceGroup(services: [consumer], logger: fixture.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await pollRecords(consumer, count: 1).count == 1)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await #expect(throws: KafkaClientError.closed) { _ = try await consumer.poll(timeout: .milliseconds(10)) }
        let admin = fixture.admin()
        let listed = try await admin.listGroups().first { $0.groupId == "service" }
        #expect(listed?.state == "Empty")
        await admin.close()
        try await producer.close()
    }
}
