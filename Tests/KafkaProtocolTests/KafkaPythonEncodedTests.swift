import Foundation
import KafkaProtocol
import KafkaWire
import NIOCore
import Testing

/// Messages encoded by kafka-python's own protocol classes (Tools/capture-golden.py): our decoder
/// must read every byte and our encoder must reproduce them exactly.
@Suite struct KafkaPythonEncodedTests {
    struct Entry: Decodable {
        var file: String
        var message: String
        var version: Int16
    }

    static func fixturesDirectory() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    }

    static func bytes(_ file: String) throws -> ByteBuffer {
        let hex = try String(contentsOf: fixturesDirectory().appendingPathComponent(file), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let digits = Array(hex.utf8)
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            bytes.append(try #require(UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)))
        }
        return ByteBuffer(bytes: bytes)
    }

    static func decodeAndReencode<T: KafkaMessage>(_ type: T.Type, _ frame: ByteBuffer, version: Int16) throws -> T {
        var buffer = frame
        let message = try T(from: &buffer, version: version)
        #expect(buffer.readableBytes == 0, "\(T.self) v\(version) left bytes unread")
        var writer = WireWriter(buffer: ByteBuffer())
        message.write(to: &writer, version: version)
        #expect(writer.buffer == frame, "\(T.self) v\(version) re-encoding differs from kafka-python's bytes")
        return message
    }

    @Test func everyFixtureDecodesAndReencodesIdentically() throws {
        let manifest = try JSONDecoder().decode(
            [Entry].self,
            from: Data(contentsOf: Self.fixturesDirectory().appendingPathComponent("kafka-python-encoded.json")))
        #expect(manifest.count >= 10)
        for entry in manifest {
            let type = try #require(allGeneratedSampleTypes.first { String(describing: $0) == entry.message })
            _ = try Self.decodeAndReencode(type, try Self.bytes(entry.file), version: entry.version)
        }
    }

    @Test func metadataV13CarriesTheAmendedTopLevelErrorCode() throws {
        let response = try Self.decodeAndReencode(
            MetadataResponse.self, try Self.bytes("kafka-python-encoded-MetadataResponse-v13.hex"), version: 13)
        #expect(response.errorCode == 41)
        #expect(response.throttleTimeMs == 5)
        #expect(response.clusterId == "cluster-x")
        #expect(response.controllerId == BrokerId(1))
        #expect(response.brokers.first?.host == "localhost")
        #expect(response.brokers.first?.rack == nil)
        let topic = try #require(response.topics.first)
        #expect(topic.name == TopicName("orders"))
        #expect(topic.topicId.base64String == "AQIDBAUGBwgJCgsMDQ4PEA")
        #expect(topic.partitions.first?.replicaNodes == [BrokerId(1), BrokerId(2)])
        #expect(topic.partitions.first?.offlineReplicas == [BrokerId(3)])
    }

    @Test func fetchV12TaggedStructsAndRecords() throws {
        let response = try Self.decodeAndReencode(
            FetchResponse.self, try Self.bytes("kafka-python-encoded-FetchResponse-v12.hex"), version: 12)
        let partition = try #require(response.responses.first?.partitions.first)
        #expect(partition.currentLeader.leaderId == BrokerId(2))
        #expect(partition.currentLeader.leaderEpoch == 9)
        #expect(partition.divergingEpoch.endOffset == 77)
        #expect(partition.records == .bytes(ByteBuffer(bytes: [1, 2, 3, 4])))
        #expect(partition.abortedTransactions?.first?.producerId == ProducerId(7))
    }

    @Test func fetchV16TopLevelTaggedNodeEndpoints() throws {
        let response = try Self.decodeAndReencode(
            FetchResponse.self, try Self.bytes("kafka-python-encoded-FetchResponse-v16.hex"), version: 16)
        #expect(response.nodeEndpoints.map(\.host) == ["b2"])
        #expect(response.nodeEndpoints.first?.rack == "r1")
        #expect(response.responses.first?.topicId == KafkaUUID(high: 0, low: 0xABCDEF))
    }

    @Test func produceV12IsV11Layout() throws {
        let v12 = try Self.decodeAndReencode(
            ProduceRequest.self, try Self.bytes("kafka-python-encoded-ProduceRequest-v12.hex"), version: 12)
        #expect(v12.transactionalId == TransactionalId("tx-1"))
        #expect(v12.acks == -1)
        #expect(v12.topicData.first?.partitionData.first?.records == .bytes(ByteBuffer(bytes: [9, 8, 7])))
        let v9 = try Self.bytes("kafka-python-encoded-ProduceRequest-v9.hex")
        #expect(try Self.bytes("kafka-python-encoded-ProduceRequest-v12.hex") == v9)
    }
}
