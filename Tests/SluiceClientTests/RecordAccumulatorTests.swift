import KafkaRecords
import NIOCore
import Testing

@testable import SluiceClient

@Suite struct RecordAccumulatorTests {
    let partition = TopicPartition("t", 0)

    func record(_ size: Int) -> ProducerRecord {
        ProducerRecord(topic: "t", value: [UInt8](repeating: 7, count: size))
    }

    @Test func fullBatchClosesAndDrainsAtOnce() throws {
        var accumulator = RecordAccumulator(
            batchSize: 1000, linger: .seconds(10), maxInFlight: 5, compression: .none)
        var closed = 0
        for _ in 0..<25 {
            let outcome = accumulator.append(record(100), to: partition, timestamp: 1000, now: 0, callback: nil)
            if outcome.closedFullBatch { closed += 1 }
        }
        #expect(closed == 3)  // 124 bytes each: 8 records per batch
        let drained = accumulator.drain(now: 1)
        #expect(drained.count == 3)
        #expect(drained.map(\.recordCount) == [8, 8, 8])
        let batch = try #require(drained.first?.encoded)
        let header = try RecordBatchHeader(parsing: batch, at: batch.readerIndex)
        #expect(header.recordCount == 8)
        #expect(accumulator.nextLingerDeadline == 10_000_000_000)
    }

    @Test func lingerHoldsOpenBatchUntilItsTime() {
        var accumulator = RecordAccumulator(
            batchSize: 1 << 20, linger: .milliseconds(5), maxInFlight: 5, compression: .none)
        _ = accumulator.append(record(10), to: partition, timestamp: 1, now: 1_000, callback: nil)
        #expect(accumulator.drain(now: 2_000).isEmpty)
        #expect(accumulator.drain(now: 1_000 + 5_000_000).count == 1)
    }

    @Test func sequencesFollowRecordCountsAndRetriesKeepOrder() throws {
        var accumulator = RecordAccumulator(batchSize: 300, linger: .zero, maxInFlight: 2, compression: .none)
        accumulator.producerId = 42
        accumulator.producerEpoch = 0
        for _ in 0..<9 { _ = accumulator.append(record(100), to: partition, timestamp: 1, now: 0, callback: nil) }
        let first = accumulator.drain(now: 1)
        #expect(first.map(\.baseSequence) == [0, 2])  // two in flight at most
        accumulator.requeue(first[0])
        accumulator.requeue(first[1])
        let retried = accumulator.drain(now: 2)
        #expect(retried.map(\.baseSequence) == [0])  // one at a time while retrying
        accumulator.finished(retried[0])
        let next = accumulator.drain(now: 3)
        #expect(next.map(\.baseSequence) == [2, 4])
        let header = try RecordBatchHeader(parsing: next[0].encoded!, at: 0)
        #expect(header.producerId == 42)
        #expect(header.baseSequence == 2)
    }

    @Test func flushingDrainsOpenBatches() {
        var accumulator = RecordAccumulator(
            batchSize: 1 << 20, linger: .seconds(60), maxInFlight: 5, compression: .zstd)
        _ = accumulator.append(record(10), to: partition, timestamp: 1, now: 0, callback: nil)
        #expect(!accumulator.isEmpty)
        accumulator.flushing = true
        let drained = accumulator.drain(now: 1)
        #expect(drained.count == 1)
        accumulator.finished(drained[0])
        #expect(accumulator.isEmpty)
    }
}
