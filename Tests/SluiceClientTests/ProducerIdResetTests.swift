import KafkaRecords
import Testing

@testable import SluiceClient

@Suite(.timeLimit(.minutes(2))) struct ProducerIdResetTests {
    /// A batch the broker refuses for good (a record over the topic's `max.message.bytes`) used
    /// up sequence numbers the broker never saw, so the next batch is OUT_OF_ORDER_SEQUENCE_NUMBER;
    /// the producer starts over with a new producer id and later records still arrive.
    @Test func idempotentProducerStartsOverAfterASequenceGap() async throws {
        let fixture = try await ClientFixture.start()
        defer { Task { await fixture.stop() } }
        let admin = fixture.admin()
        try await admin.createTopic("gapped", partitions: 1, configs: ["max.message.bytes": "2000"])
        let producer = fixture.producer()
        for index in 0..<5 {
            _ = try await producer.send(ProducerRecord(topic: "gapped", partition: 0, value: bytes("a-\(index)")))
        }
        let tooLarge = await #expect(throws: KafkaClientError.self) {
            _ = try await producer.send(
                ProducerRecord(topic: "gapped", partition: 0, value: [UInt8](repeating: 7, count: 5000)))
        }
        #expect(tooLarge?.errorCode == .messageTooLarge)
        let delivered = DeliveryLog()
        for index in 0..<50 {
            try await producer.produce(ProducerRecord(topic: "gapped", partition: 0, value: bytes("b-\(index)"))) {
                delivered.record($0)
            }
        }
        try await producer.flush()
        #expect(delivered.failures == 0, "first failure: \(String(describing: delivered.firstError))")
        let consumer = fixture.consumer()
        try consumer.assign([TopicPartition("gapped", 0)])
        let records = try await pollRecords(consumer, count: 55)
        #expect(
            records.map { String(decoding: $0.value ?? [], as: UTF8.self) }
                == (0..<5).map { "a-\($0)" } + (0..<50).map { "b-\($0)" })
        await consumer.close()
        try await producer.close()
        await admin.close()
    }

    @Test func installRestampsWaitingBatchesInOrder() throws {
        var accumulator = RecordAccumulator(batchSize: 300, linger: .zero, maxInFlight: 5, compression: .none)
        accumulator.producerId = 7
        accumulator.producerEpoch = 0
        let partition = TopicPartition("t", 0)
        for _ in 0..<6 {
            _ = accumulator.append(
                ProducerRecord(topic: "t", value: [UInt8](repeating: 1, count: 100)), to: partition, timestamp: 1,
                now: 0, callback: nil)
        }
        let sent = accumulator.drain(now: 1)
        #expect(sent.map(\.baseSequence) == [0, 2, 4])
        accumulator.resetPending = true
        for batch in sent.reversed() { accumulator.requeue(batch) }  // answers may come in any order
        #expect(accumulator.drain(now: 2).isEmpty)
        #expect(accumulator.inFlightCount == 0)
        accumulator.install(producerId: 9, epoch: 0)
        let again = accumulator.drain(now: 3)
        #expect(again.map(\.baseSequence) == [0, 2, 4])
        for (index, batch) in again.enumerated() {
            let header = try RecordBatchHeader(parsing: batch.encoded!, at: 0)
            #expect(header.producerId == 9)
            #expect(header.baseSequence == Int32(index * 2))
            #expect(throws: Never.self) {
                _ = try RecordBatchValidator.validate(batch.encoded!, maxBatchBytes: 1 << 20)
            }
        }
    }
}
