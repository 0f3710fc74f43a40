import KafkaRecords
import NIOCore
import Testing

@testable import SluiceStorage

/// A batch of an idempotent producer: `records` records from sequence `sequence` on.
func idempotentBatch(
    producerId: Int64 = 1_000, epoch: Int16 = 0, sequence: Int32, records: Int = 2, timestamp: Int64 = 1_000
) -> ByteBuffer {
    var builder = RecordBatchBuilder(
        baseTimestamp: timestamp, producerId: producerId, producerEpoch: epoch, baseSequence: sequence)
    for index in 0..<records {
        builder.append(key: nil, value: ByteBuffer(string: "v\(sequence)-\(index)"), timestamp: timestamp)
    }
    return builder.build()
}

@Suite("Idempotent producer checks on append")
struct ProducerStateTests {
    /// Appends seven 2-record batches of producer 1000, epoch 0 (sequences 0, 2, ..., 12).
    private func appendSeven(_ log: PartitionLog) throws -> [AppendResult] {
        try (0..<7).map { try log.append(idempotentBatch(sequence: Int32($0 * 2)), batchCount: 1, now: 5) }
    }

    @Test(arguments: Backend.allCases)
    func duplicateOfEachOfTheLastFiveBatchesReturnsItsOriginalOffsetsAndWritesNothing(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        let originals = try appendSeven(log)
        let size = log.sizeInBytes
        for batch in 2..<7 {
            let retry = try log.append(idempotentBatch(sequence: Int32(batch * 2)), batchCount: 1, now: 5)
            #expect(retry.isDuplicate)
            #expect(retry.firstOffset == originals[batch].firstOffset)
            #expect(retry.lastOffset == originals[batch].lastOffset)
        }
        #expect(log.sizeInBytes == size)
        #expect(log.logEndOffset == 14)
    }

    @Test(arguments: Backend.allCases)
    func duplicateOfTheSixthNewestBatchIsOutOfOrder(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        _ = try appendSeven(log)
        #expect(throws: StorageError.outOfOrderSequence(producerId: 1_000, sequence: 2, lastSequence: 13)) {
            try log.append(idempotentBatch(sequence: 2), batchCount: 1, now: 5)
        }
        #expect(log.logEndOffset == 14)
    }

    @Test(arguments: Backend.allCases)
    func sequenceGapIsOutOfOrderAndWritesNothing(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        _ = try log.append(idempotentBatch(sequence: 0), batchCount: 1, now: 5)
        #expect(throws: StorageError.outOfOrderSequence(producerId: 1_000, sequence: 3, lastSequence: 1)) {
            try log.append(idempotentBatch(sequence: 3), batchCount: 1, now: 5)
        }
        #expect(log.logEndOffset == 2)
        // The expected next sequence is still accepted.
        #expect(try log.append(idempotentBatch(sequence: 2), batchCount: 1, now: 5).firstOffset == 2)
    }

    @Test(arguments: Backend.allCases)
    func batchesOfOneAppendAreCheckedInOrder(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        let good = concatenate([idempotentBatch(sequence: 0), idempotentBatch(sequence: 2)])
        #expect(try log.append(good, batchCount: 2, now: 5).lastOffset == 3)
        let gapInSecond = concatenate([idempotentBatch(sequence: 4), idempotentBatch(sequence: 9)])
        #expect(throws: StorageError.outOfOrderSequence(producerId: 1_000, sequence: 9, lastSequence: 5)) {
            try log.append(gapInSecond, batchCount: 2, now: 5)
        }
        // Nothing of the failed append was written or remembered.
        #expect(log.logEndOffset == 4)
        #expect(log.producerState.entries[1_000]?.lastSequence == 3)
    }

    @Test(arguments: Backend.allCases)
    func olderEpochIsFenced(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        _ = try log.append(idempotentBatch(epoch: 3, sequence: 0), batchCount: 1, now: 5)
        #expect(throws: StorageError.invalidProducerEpoch(producerId: 1_000, epoch: 2, currentEpoch: 3)) {
            try log.append(idempotentBatch(epoch: 2, sequence: 2), batchCount: 1, now: 5)
        }
        #expect(log.logEndOffset == 2)
    }

    @Test(arguments: Backend.allCases)
    func newEpochMustStartAtSequenceZero(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        _ = try log.append(idempotentBatch(epoch: 0, sequence: 0), batchCount: 1, now: 5)
        #expect(throws: StorageError.outOfOrderSequence(producerId: 1_000, sequence: 2, lastSequence: -1)) {
            try log.append(idempotentBatch(epoch: 1, sequence: 2), batchCount: 1, now: 5)
        }
        #expect(try log.append(idempotentBatch(epoch: 1, sequence: 0), batchCount: 1, now: 5).firstOffset == 2)
        // The bump forgot the old epoch's batches: a retry of them is fenced, not a duplicate.
        #expect(throws: StorageError.invalidProducerEpoch(producerId: 1_000, epoch: 0, currentEpoch: 1)) {
            try log.append(idempotentBatch(epoch: 0, sequence: 0), batchCount: 1, now: 5)
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownProducerMayStartAtAnySequenceAndOthersAreIndependent(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        _ = try log.append(idempotentBatch(producerId: 7, sequence: 40), batchCount: 1, now: 5)
        _ = try log.append(idempotentBatch(producerId: 8, sequence: 0), batchCount: 1, now: 5)
        _ = try log.append(idempotentBatch(producerId: 7, sequence: 42), batchCount: 1, now: 5)
        #expect(log.producerState.entries[7]?.lastSequence == 43)
        #expect(log.producerState.entries[8]?.lastSequence == 1)
    }

    @Test(arguments: Backend.allCases)
    func sequenceWrapsAtInt32Max(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        // Records Int32.max - 1 and Int32.max, then the next batch starts at 0.
        _ = try log.append(idempotentBatch(sequence: Int32.max - 1), batchCount: 1, now: 5)
        #expect(try log.append(idempotentBatch(sequence: 0), batchCount: 1, now: 5).firstOffset == 2)
        // A batch spanning the wrap ends at a small sequence.
        #expect(ProducerBatchMetadata.lastSequence(first: Int32.max, delta: 2) == 1)
    }

    @Test(arguments: Backend.allCases)
    func batchesWithoutProducerIdAreNotTracked(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        _ = try log.append(makeBatch(records: 3), batchCount: 1, now: 5)
        _ = try log.append(makeBatch(records: 3), batchCount: 1, now: 5)
        #expect(log.producerState.entries.isEmpty)
        #expect(log.logEndOffset == 6)
    }
}
