import SluiceClient
import Testing

@Suite(.timeLimit(.minutes(2))) struct AdminGroupDescribeTests {
    @Test(arguments: [GroupProtocol.classic, .consumer])
    func describeShowsMembersAndTheirPartitions(protocol groupProtocol: GroupProtocol) async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let admin = fixture.admin()
        try await admin.createTopic("described", partitions: 3)
        let consumer = fixture.consumer(group: "describe-me") { $0.groupProtocol = groupProtocol }
        try consumer.subscribe(topics: ["described"])
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while clock.now < deadline, consumer.assignment.count < 3 {
            _ = try await consumer.poll(timeout: .milliseconds(100))
        }
        let description = try await admin.describeGroup("describe-me")
        #expect(description.state == "Stable")
        #expect(description.members.count == 1)
        #expect(Set(description.members.first?.assignment ?? []) == consumer.assignment)
        await consumer.close()
        await admin.close()
    }
}
