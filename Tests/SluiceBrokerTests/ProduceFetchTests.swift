import KafkaProtocol
import KafkaWire
import SluiceTestKit
import Testing

@Suite("Produce, fetch and list offsets through the broker")
struct ProduceFetchTests {
    @Test func producedRecordsAreFetchedBackInOrder() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        let created = try await client.send(Requests.createTopic("orders", partitions: 2), version: 7)
        #expect(created.topics.first?.errorCode == 0)

        let first = try await client.send(
            Requests.produce("orders", batch: Requests.batch(values: ["a", "b", "c"])), version: 9)
        #expect(first.responses[0].partitionResponses[0].errorCode == 0)
        #expect(first.responses[0].partitionResponses[0].baseOffset == 0)
        let second = try await client.send(
            Requests.produce("orders", batch: Requests.batch(values: ["d"]), acks: 1), version: 9)
        #expect(second.responses[0].partitionResponses[0].baseOffset == 3)

        let fetched = try await client.send(Requests.fetch("orders", offset: 0), version: 12)
        #expect(fetched.responses[0].partitions[0].highWatermark == 4)
        let all = try fetched.values()
        #expect(all == ["a", "b", "c", "d"], "got \(all)")

        let fromMiddle = try await client.send(Requests.fetch("orders", offset: 3), version: 12)
        #expect(try fromMiddle.values() == ["d"])

        let latest = try await client.send(Requests.listOffsets("orders", timestamp: -1), version: 7)
        #expect(latest.topics[0].partitions[0].offset == 4)
        let byTime = try await client.send(Requests.listOffsets("orders", timestamp: 1_700_000_000_001), version: 7)
        #expect(byTime.topics[0].partitions[0].offset == 1)
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func longPollFetchWakesOnAppend() async throws {
        let broker = try await TestBroker.start()
        let consumer = try await TestClient.connect(port: broker.port)
        let producer = try await TestClient.connect(port: broker.port)
        _ = try await producer.send(Requests.createTopic("wake"), version: 7)
        let started = ContinuousClock.now
        // A long max wait, so that a loaded machine cannot pass the test by timing out instead of waking.
        async let fetched = consumer.send(Requests.fetch("wake", offset: 0, maxWaitMs: 30000), version: 12)
        try await Task.sleep(for: .milliseconds(200))
        _ = try await producer.send(Requests.produce("wake", batch: Requests.batch(values: ["late"])), version: 9)
        let response = try await fetched
        #expect(try response.values() == ["late"])
        #expect(ContinuousClock.now - started < .seconds(15))
        await consumer.close()
        await producer.close()
        await broker.stopAndRemove()
    }

    @Test func fetchPastTheEndIsOffsetOutOfRange() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        _ = try await client.send(Requests.createTopic("short"), version: 7)
        let response = try await client.send(Requests.fetch("short", offset: 10), version: 12)
        #expect(response.responses[0].partitions[0].errorCode == ErrorCode.offsetOutOfRange.rawValue)
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func corruptBatchIsRejectedAndNothingIsStored() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        _ = try await client.send(Requests.createTopic("crc"), version: 7)
        var batch = Requests.batch(values: ["x"])
        let last = batch.writerIndex - 1
        batch.setInteger(batch.getInteger(at: last, as: UInt8.self)! ^ 0xFF, at: last)
        let response = try await client.send(Requests.produce("crc", batch: batch), version: 9)
        #expect(response.responses[0].partitionResponses[0].errorCode == ErrorCode.corruptMessage.rawValue)
        let latest = try await client.send(Requests.listOffsets("crc", timestamp: -1), version: 7)
        #expect(latest.topics[0].partitions[0].offset == 0)
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func dataSurvivesARestart() async throws {
        let directory = TestBroker.temporaryDirectory()
        let broker = try await TestBroker.start(dataDirectory: directory)
        let client = try await TestClient.connect(port: broker.port)
        _ = try await client.send(Requests.createTopic("durable", partitions: 3), version: 7)
        _ = try await client.send(
            Requests.produce("durable", partition: 2, batch: Requests.batch(values: ["kept"])), version: 9)
        await client.close()
        await broker.stop()

        let again = try await TestBroker.start(dataDirectory: directory)
        let reader = try await TestClient.connect(port: again.port)
        let fetched = try await reader.send(Requests.fetch("durable", partition: 2, offset: 0), version: 12)
        #expect(try fetched.values() == ["kept"])
        await reader.close()
        await again.stopAndRemove()
    }
}

@Suite("Fetch sessions")
struct FetchSessionTests {
    /// The Java client asks for a session (id 0, epoch 0); session id 0 in the answer tells it the
    /// broker keeps none, so it goes on with full fetches. An unknown session id is refused.
    @Test func sessionRequestsFallBackToFullFetches() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        _ = try await client.send(Requests.createTopic("sessions"), version: 7)
        _ = try await client.send(Requests.produce("sessions", batch: Requests.batch(values: ["s"])), version: 9)

        var newSession = Requests.fetch("sessions", offset: 0)
        newSession.sessionId = 0
        newSession.sessionEpoch = 0
        let answered = try await client.send(newSession, version: 12)
        #expect(answered.sessionId == 0)
        #expect(answered.errorCode == 0)
        #expect(try answered.values() == ["s"])

        var unknown = Requests.fetch("sessions", offset: 0)
        unknown.sessionId = 123
        unknown.sessionEpoch = 1
        let refused = try await client.send(unknown, version: 12)
        #expect(refused.errorCode == ErrorCode.fetchSessionIdNotFound.rawValue)
        await client.close()
        await broker.stopAndRemove()
    }
}
