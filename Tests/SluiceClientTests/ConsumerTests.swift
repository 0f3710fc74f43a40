import SluiceClient
import Testing

@Suite(.timeLimit(.minutes(2))) struct ConsumerTests {
    @Test func assignedConsumerReadsWhatWasProducedByteForByte() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer { $0.compression = .lz4 }
        var sent: [RecordMetadata] = []
        for index in 0..<50 {
            let record = ProducerRecord(
                topic: "exact", partition: 0, key: index % 5 == 0 ? nil : bytes("k\(index)"),
                value: index == 7 ? nil : [UInt8](repeating: UInt8(index), count: index),
                headers: [("h", bytes("x\(index)")), ("null", nil)], timestamp: 1_700_000_000_000 + Int64(index))
            sent.append(try await producer.send(record))
        }
        let consumer = fixture.consumer()
        try consumer.assign([TopicPartition("exact", 0)])
        let records = try await pollRecords(consumer, count: 50)
        #expect(records.count == 50)
        for (index, record) in records.enumerated() {
            #expect(record.offset == sent[index].offset)
            #expect(record.key == (index % 5 == 0 ? nil : bytes("k\(index)")))
            #expect(record.value == (index == 7 ? nil : [UInt8](repeating: UInt8(index), count: index)))
            #expect(
                record.headers == [
                    RecordHeaderValue(key: "h", value: bytes("x\(index)")), .init(key: "null", value: nil),
                ])
            #expect(record.timestamp == 1_700_000_000_000 + Int64(index))
        }
        // Seek back, seek by time, pause and resume.
        try consumer.seek(TopicPartition("exact", 0), to: 45)
        #expect(try await pollRecords(consumer, count: 5).map(\.offset) == [45, 46, 47, 48, 49])
        try await consumer.seek([TopicPartition("exact", 0)], to: .timestamp(1_700_000_000_030))
        #expect(try await pollRecords(consumer, count: 20).first?.offset == 30)
        consumer.pause([TopicPartition("exact", 0)])
        try consumer.seek(TopicPartition("exact", 0), to: 0)
        #expect(try await consumer.poll(timeout: .milliseconds(300)).isEmpty)
        consumer.resume([TopicPartition("exact", 0)])
        #expect(try await pollRecords(consumer, count: 1).first?.offset == 0)
        await consumer.close()
        try await producer.close()
    }

    @Test func recordsSequenceAndCommittedOffsetsResumeAGroup() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer()
        for index in 0..<30 {
            try await producer.produce(ProducerRecord(topic: "resume", partition: 0, value: bytes("\(index)")))
        }
        try await producer.flush()
        let first = fixture.consumer(group: "resumers") { $0.enableAutoCommit = false }
        try first.assign([TopicPartition("resume", 0)])
        var seen: [Int64] = []
        for try await record in first.records {
            seen.append(record.offset)
            if seen.count == 10 { break }
        }
        #expect(seen == Array(0..<10))
        try await first.commit([TopicPartition("resume", 0): 10])
        #expect(try await first.committed([TopicPartition("resume", 0)]) == [TopicPartition("resume", 0): 10])
        await first.close()

        let second = fixture.consumer(group: "resumers")
        try second.assign([TopicPartition("resume", 0)])
        let rest = try await pollRecords(second, count: 20)
        #expect(rest.first?.offset == 10)
        #expect(rest.count == 20)
        try await second.commit()
        await second.close()
        let admin = fixture.admin()
        #expect(try await admin.committedOffsets(group: "resumers") == [TopicPartition("resume", 0): 30])
        await admin.close()
        try await producer.close()
    }

    @Test(arguments: [GroupProtocol.classic, .consumer])
    func twoGroupMembersSharePartitions(protocol groupProtocol: GroupProtocol) async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let admin = fixture.admin()
        try await admin.createTopic("shared", partitions: 4)
        let producer = fixture.producer()
        for index in 0..<200 {
            try await producer.produce(
                ProducerRecord(topic: "shared", key: bytes("k\(index)"), value: bytes("v\(index)")))
        }
        try await producer.flush()

        let one = fixture.consumer(group: "sharing") { $0.groupProtocol = groupProtocol }
        try one.subscribe(topics: ["shared"])
        let early = try await pollRecords(one, count: 200)
        #expect(Set(early.map { "\($0.partition)/\($0.offset)" }).count == 200)
        try await one.commit()

        let two = fixture.consumer(group: "sharing") { $0.groupProtocol = groupProtocol }
        try two.subscribe(topics: ["shared"])
        // Both end up with two partitions each, disjoint, covering all four.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while clock.now < deadline, !(one.assignment.count == 2 && two.assignment.count == 2) {
            _ = try await one.poll(timeout: .milliseconds(100))
            _ = try await two.poll(timeout: .milliseconds(100))
        }
        #expect(one.assignment.count == 2)
        #expect(two.assignment.count == 2)
        #expect(one.assignment.union(two.assignment).count == 4)
        // New records reach whichever member owns their partition.
        for index in 0..<40 {
            try await producer.produce(ProducerRecord(topic: "shared", key: bytes("n\(index)"), value: bytes("n")))
        }
        try await producer.flush()
        var late: [ConsumerRecord] = []
        let lateDeadline = clock.now + .seconds(20)
        while late.count < 40, clock.now < lateDeadline {
            late += try await one.poll(timeout: .milliseconds(100))
            late += try await two.poll(timeout: .milliseconds(100))
        }
        #expect(late.count == 40)
        await one.close()
        await two.close()
        try await producer.close()
        await admin.close()
    }

    @Test func regexSubscriptionFindsMatchingTopics() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer()
        for topic in ["logs-a", "logs-b", "other"] {
            _ = try await producer.send(ProducerRecord(topic: topic, value: bytes(topic)))
        }
        let consumer = fixture.consumer(group: "regex")
        try consumer.subscribe(pattern: "logs-.*")
        let records = try await pollRecords(consumer, count: 2)
        #expect(Set(records.map(\.topic)) == ["logs-a", "logs-b"])
        await consumer.close()
        try await producer.close()
    }
}

@Suite(.timeLimit(.minutes(2))) struct ConsumerMetadataTests {
    /// A classic member subscribed by pattern rejoins when a new matching topic appears.
    @Test func classicPatternMemberPicksUpNewTopics() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer()
        _ = try await producer.send(ProducerRecord(topic: "metrics-a", value: bytes("a")))
        let consumer = fixture.consumer(group: "pattern") { $0.metadataMaxAge = .milliseconds(500) }
        try consumer.subscribe(pattern: "metrics-.*")
        #expect(try await pollRecords(consumer, count: 1).map(\.topic) == ["metrics-a"])
        _ = try await producer.send(ProducerRecord(topic: "metrics-b", value: bytes("b")))
        #expect(try await pollRecords(consumer, count: 1).map(\.topic) == ["metrics-b"])
        #expect(consumer.assignment == [TopicPartition("metrics-a", 0), TopicPartition("metrics-b", 0)])
        await consumer.close()
        try await producer.close()
    }
}

@Suite(.timeLimit(.minutes(2))) struct ConsumerResetTests {
    @Test func noResetPolicyThrowsUntilTheApplicationSeeks() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer { $0.acks = .none }
        let written = try await producer.send(ProducerRecord(topic: "unreset", partition: 0, value: bytes("x")))
        #expect(written.offset == -1)  // acks=0: no answer, no offset
        try await producer.flush()
        let consumer = fixture.consumer(group: "strict") { $0.autoOffsetReset = .none }
        try consumer.assign([TopicPartition("unreset", 0)])
        let error = await #expect(throws: KafkaClientError.self) { _ = try await pollRecords(consumer, count: 1) }
        #expect(error?.errorCode == .offsetOutOfRange)
        try consumer.seek(TopicPartition("unreset", 0), to: 0)
        #expect(try await pollRecords(consumer, count: 1).map(\.value) == [bytes("x")])
        await consumer.close()
        try await producer.close()
    }
}

@Suite(.timeLimit(.minutes(2))) struct StaticMemberTests {
    /// A static member's restart within the session timeout gets its partitions back; the other
    /// member never takes them meanwhile.
    @Test(arguments: [GroupProtocol.classic, .consumer])
    func staticMemberComesBackToItsPartitions(protocol groupProtocol: GroupProtocol) async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let admin = fixture.admin()
        try await admin.createTopic("static", partitions: 2)
        func member(_ instance: String?) -> Consumer {
            fixture.consumer(group: "statics") {
                $0.groupProtocol = groupProtocol
                $0.groupInstanceId = instance
                $0.sessionTimeout = .seconds(30)
            }
        }
        func settle(_ consumers: [Consumer], until done: () -> Bool) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while clock.now < deadline, !done() {
                for consumer in consumers { _ = try await consumer.poll(timeout: .milliseconds(50)) }
            }
        }
        let stable = member("stable-1")
        let other = member(nil)
        try stable.subscribe(topics: ["static"])
        try other.subscribe(topics: ["static"])
        try await settle([stable, other]) { stable.assignment.count == 1 && other.assignment.count == 1 }
        let owned = stable.assignment
        #expect(owned.count == 1)
        await stable.close()
        let clock = ContinuousClock()
        let away = clock.now + .seconds(2)
        while clock.now < away { _ = try await other.poll(timeout: .milliseconds(100)) }
        #expect(other.assignment.count == 1)
        let back = member("stable-1")
        try back.subscribe(topics: ["static"])
        try await settle([back, other]) { back.assignment == owned }
        #expect(back.assignment == owned)
        #expect(other.assignment.count == 1)
        await back.close()
        await other.close()
        await admin.close()
    }
}
