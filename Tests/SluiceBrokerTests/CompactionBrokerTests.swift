import KafkaProtocol
import KafkaRecords
import NIOCore
import SluiceTestKit
import Testing

@Suite("Compacted topics and DeleteRecords through the broker")
struct CompactionBrokerTests {
    static func deleteRecords(_ topic: String, before offset: Int64) -> DeleteRecordsRequest {
        var partition = DeleteRecordsRequest.DeleteRecordsPartition()
        partition.partitionIndex = 0
        partition.offset = offset
        var entry = DeleteRecordsRequest.DeleteRecordsTopic()
        entry.name = TopicName(topic)
        entry.partitions = [partition]
        var request = DeleteRecordsRequest()
        request.topics = [entry]
        request.timeoutMs = 5000
        return request
    }

    @Test func nullKeyOnACompactedTopicIsInvalidRecordAndNothingIsStored() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        _ = try await client.send(Requests.createTopic("kv", configs: ["cleanup.policy": "compact"]), version: 7)
        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
        builder.append(key: ByteBuffer(string: "a"), value: ByteBuffer(string: "1"), timestamp: 1_700_000_000_000)
        builder.append(key: nil, value: ByteBuffer(string: "no key"), timestamp: 1_700_000_000_000)
        let refused = try await client.send(Requests.produce("kv", batch: builder.build()), version: 9)
        #expect(refused.responses[0].partitionResponses[0].errorCode == ErrorCode.invalidRecord.rawValue)
        let fetched = try await client.send(Requests.fetch("kv", offset: 0), version: 12)
        #expect(fetched.responses[0].partitions[0].highWatermark == 0)
        // Keyed records go in.
        let accepted = try await client.send(Requests.produce("kv", batch: Requests.batch(values: ["x"])), version: 9)
        #expect(accepted.responses[0].partitionResponses[0].errorCode == 0)
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func deleteRecordsAnswersLowWatermarksAndErrors() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        _ = try await client.send(Requests.createTopic("plain"), version: 7)
        _ = try await client.send(Requests.createTopic("kv", configs: ["cleanup.policy": "compact"]), version: 7)
        _ = try await client.send(
            Requests.produce("plain", batch: Requests.batch(values: ["a", "b", "c", "d"])), version: 9)
        for version: Int16 in [0, 2] {
            let moved = try await client.send(Self.deleteRecords("plain", before: 2), version: version)
            #expect(moved.topics[0].partitions[0].errorCode == 0)
            #expect(moved.topics[0].partitions[0].lowWatermark == 2)
        }
        let past = try await client.send(Self.deleteRecords("plain", before: 5), version: 2)
        #expect(past.topics[0].partitions[0].errorCode == ErrorCode.offsetOutOfRange.rawValue)
        #expect(past.topics[0].partitions[0].lowWatermark == -1)
        let compacted = try await client.send(Self.deleteRecords("kv", before: 0), version: 2)
        #expect(compacted.topics[0].partitions[0].errorCode == ErrorCode.policyViolation.rawValue)
        let missing = try await client.send(Self.deleteRecords("nope", before: 0), version: 2)
        #expect(missing.topics[0].partitions[0].errorCode == ErrorCode.unknownTopicOrPartition.rawValue)
        let all = try await client.send(Self.deleteRecords("plain", before: -1), version: 2)
        #expect(all.topics[0].partitions[0].lowWatermark == 4)
        await client.close()
        await broker.stopAndRemove()
    }
}
