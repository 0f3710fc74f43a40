import SluiceClient
import Testing

@Suite(.timeLimit(.minutes(2))) struct AdminTests {
    @Test func topicsCreateDescribeGrowDelete() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let admin = fixture.admin()
        try await admin.createTopic("orders", partitions: 3, configs: ["retention.ms": "3600000"])
        let error = await #expect(throws: KafkaClientError.self) {
            try await admin.createTopic("orders", partitions: 1)
        }
        #expect(error?.errorCode == .topicAlreadyExists)

        let listed = try await admin.listTopics()
        #expect(listed.map(\.name).contains("orders"))
        let described = try #require(try await admin.describeTopics(["orders"]).first)
        #expect(described.partitions.map(\.partition) == [0, 1, 2])
        #expect(described.topicId.count == 22)

        let configs = try await admin.describeConfigs(.topic("orders"))
        #expect(configs.first { $0.name == "retention.ms" }?.value == "3600000")
        try await admin.alterConfigs(.topic("orders"), set: ["retention.ms": "7200000"])
        #expect(
            try await admin.describeConfigs(.topic("orders")).first { $0.name == "retention.ms" }?.value == "7200000")

        try await admin.createPartitions("orders", totalCount: 5)
        #expect(try await admin.describeTopics(["orders"]).first?.partitions.count == 5)

        try await admin.deleteTopic("orders")
        let missing = await #expect(throws: KafkaClientError.self) { _ = try await admin.describeTopics(["orders"]) }
        #expect(missing?.errorCode == .unknownTopicOrPartition)
        let cluster = try await admin.describeCluster()
        #expect(cluster.brokers.count == 1)
        await admin.close()
    }

    @Test func groupOffsetsLagAndReset() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let admin = fixture.admin()
        try await admin.createTopic("lagging", partitions: 2)
        let producer = fixture.producer()
        for index in 0..<10 {
            try await producer.produce(ProducerRecord(topic: "lagging", partition: Int32(index % 2), value: bytes("v")))
        }
        try await producer.flush()
        try await admin.alterGroupOffsets("g1", offsets: [TopicPartition("lagging", 0): 2])
        let lag = try await admin.groupLag("g1", topics: ["lagging"])
        #expect(lag.map(\.lag) == [3, 5])
        #expect(lag.map(\.committed) == [2, nil])
        let reset = try await admin.resetGroupOffsets("g1", topic: "lagging", to: .latest)
        #expect(reset == [TopicPartition("lagging", 0): 5, TopicPartition("lagging", 1): 5])
        #expect(try await admin.groupLag("g1").map(\.lag) == [0, 0])
        #expect(try await admin.listOffsets(topic: "lagging", spec: .earliest) == [0: 0, 1: 0])
        try await admin.deleteGroup("g1")
        #expect(try await admin.committedOffsets(group: "g1").isEmpty)
        try await producer.close()
        await admin.close()
    }
}

@Suite(.timeLimit(.minutes(2))) struct AdminRecordsTests {
    @Test func deleteRecordsMovesTheLogStart() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer()
        for index in 0..<10 {
            try await producer.produce(ProducerRecord(topic: "trimmed", partition: 0, value: bytes("\(index)")))
        }
        try await producer.flush()
        let admin = fixture.admin()
        let partition = TopicPartition("trimmed", 0)
        #expect(try await admin.deleteRecords(before: [partition: 4]) == [partition: 4])
        #expect(try await admin.listOffsets(topic: "trimmed", spec: .earliest) == [0: 4])
        let error = await #expect(throws: KafkaClientError.self) {
            _ = try await admin.deleteRecords(before: [partition: 50])
        }
        #expect(error?.errorCode == .offsetOutOfRange)
        // A consumer starting from the beginning now starts at 4.
        let consumer = fixture.consumer()
        try consumer.assign([partition])
        #expect(try await pollRecords(consumer, count: 6).map(\.offset) == [4, 5, 6, 7, 8, 9])
        await consumer.close()
        try await producer.close()
        await admin.close()
    }
}
