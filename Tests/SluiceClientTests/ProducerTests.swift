import Foundation
import KafkaRecords
import SluiceClient
import Testing

@Suite(.timeLimit(.minutes(2))) struct ProducerTests {
    @Test(arguments: [Acks.all, .leader])
    func sendReturnsConsecutiveOffsets(acks: Acks) async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer { $0.acks = acks }
        var offsets: [Int64] = []
        for index in 0..<5 {
            let metadata = try await producer.send(
                ProducerRecord(topic: "sent", partition: 0, key: bytes("k\(index)"), value: bytes("v\(index)")))
            offsets.append(metadata.offset)
        }
        #expect(offsets == [0, 1, 2, 3, 4])
        try await producer.close()
    }

    @Test(arguments: CompressionCodec.allCases)
    func manyRecordsBatchedAndCompressed(codec: CompressionCodec) async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let admin = fixture.admin()
        try await admin.createTopic("bulk", partitions: 4)
        let producer = fixture.producer {
            $0.compression = codec
            $0.linger = .milliseconds(20)
            $0.batchSize = 4096
        }
        let count = 2000
        let delivered = DeliveryLog()
        for index in 0..<count {
            try await producer.produce(
                ProducerRecord(topic: "bulk", key: bytes("key-\(index % 50)"), value: bytes("value-\(index)"))
            ) { delivered.record($0) }
        }
        try await producer.flush()
        #expect(delivered.failures == 0)
        #expect(delivered.successes.count == count)
        // Per partition, offsets are exactly 0..<n in the order the records were handed over.
        for (_, offsets) in Dictionary(grouping: delivered.successes, by: \.partition) {
            #expect(offsets.map(\.offset).sorted() == Array(0..<Int64(offsets.count)))
        }
        // Same key, same partition (murmur2).
        let ends = try await admin.listOffsets(topic: "bulk", spec: .latest)
        #expect(ends.values.reduce(0, +) == Int64(count))
        try await producer.close()
        await admin.close()
    }

    @Test func bufferMemoryBoundsWhatIsQueued() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer {
            $0.bufferMemory = 64 * 1024
            $0.batchSize = 16 * 1024
            $0.linger = .milliseconds(1)
        }
        let value = [UInt8](repeating: 1, count: 1000)
        for _ in 0..<2000 { try await producer.produce(ProducerRecord(topic: "bounded", partition: 0, value: value)) }
        try await producer.flush()
        let admin = fixture.admin()
        #expect(try await admin.listOffsets(topic: "bounded", spec: .latest) == [0: 2000])
        try await producer.close()
        await admin.close()
    }

    @Test func unknownPartitionIsRefused() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer()
        let error = await #expect(throws: KafkaClientError.self) {
            _ = try await producer.send(ProducerRecord(topic: "small", partition: 7, value: bytes("x")))
        }
        #expect(error?.errorCode == .unknownTopicOrPartition)
        try await producer.close()
    }
}

/// Collects delivery reports from callbacks.
final class DeliveryLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var successes: [RecordMetadata] = []
    private(set) var failures = 0
    private(set) var firstError: KafkaClientError?

    func record(_ result: Result<RecordMetadata, KafkaClientError>) {
        lock.withLock {
            switch result {
            case .success(let metadata): successes.append(metadata)
            case .failure(let error):
                failures += 1
                firstError = firstError ?? error
            }
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct ProducerFastPathTests {
    @Test func tryProduceAppendsOnlyWhenNothingMustBeAwaited() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let producer = fixture.producer { $0.bufferMemory = 4096 }
        let record = ProducerRecord(topic: "fast", partition: 0, value: [UInt8](repeating: 1, count: 1000))
        #expect(try producer.tryProduce(record) == false)  // no metadata, no producer id yet
        try await producer.produce(record)
        var accepted = 1
        while try producer.tryProduce(record) { accepted += 1 }
        #expect(accepted < 5)  // the 4 KiB buffer is full: the caller must await `produce`
        try await producer.produce(record)
        try await producer.flush()
        let admin = fixture.admin()
        #expect(try await admin.listOffsets(topic: "fast", spec: .latest) == [0: Int64(accepted + 1)])
        await admin.close()
        try await producer.close()
    }
}
