import KafkaRecords
import NIOCore
import Testing

@testable import SluiceStorage

/// A transactional batch of `records` records of producer `producerId`.
func transactionalBatch(producerId: Int64, epoch: Int16 = 0, sequence: Int32, records: Int = 2) -> ByteBuffer {
    var builder = RecordBatchBuilder(
        baseTimestamp: 1_000, producerId: producerId, producerEpoch: epoch, baseSequence: sequence,
        isTransactional: true)
    for index in 0..<records {
        builder.append(key: nil, value: ByteBuffer(string: "t\(producerId)-\(sequence)-\(index)"), timestamp: 1_000)
    }
    return builder.build()
}

func plainBatch() -> ByteBuffer {
    var builder = RecordBatchBuilder(baseTimestamp: 1_000)
    builder.append(key: nil, value: ByteBuffer(string: "plain"), timestamp: 1_000)
    return builder.build()
}

func marker(_ type: ControlRecordType, producerId: Int64, epoch: Int16 = 0) -> ByteBuffer {
    type.markerBatch(producerId: producerId, producerEpoch: epoch, timestamp: 2_000)
}

/// Offsets of the batches a read returned.
func batchOffsets(_ result: ReadResult) throws -> [Int64] {
    guard let payload = result.records else { return [] }
    let bytes: ByteBuffer
    switch payload {
    case .bytes(let buffer): bytes = buffer
    case .file(let slice): bytes = slice.readAll()!
    }
    var offsets: [Int64] = []
    var position = bytes.readerIndex
    while position < bytes.writerIndex {
        let header = try RecordBatchHeader(parsing: bytes, at: position)
        offsets.append(header.baseOffset)
        position += header.totalSize
    }
    return offsets
}

@Suite("Transactions in the partition log: last stable offset, aborted index")
struct TransactionStateTests {
    @Test(arguments: Backend.allCases)
    func lastStableOffsetStopsAtTheOldestOpenTransaction(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        _ = try log.append(plainBatch(), batchCount: 1, now: 5)  // 0
        _ = try log.append(transactionalBatch(producerId: 7, sequence: 0), batchCount: 1, now: 5)  // 1-2
        _ = try log.append(plainBatch(), batchCount: 1, now: 5)  // 3
        _ = try log.append(transactionalBatch(producerId: 8, sequence: 0), batchCount: 1, now: 5)  // 4-5
        #expect(log.lastStableOffset == 1)
        #expect(log.highWatermark == 6)
        let committed = try log.read(from: 0, maxBytes: 1 << 20, minOneBatch: true, committedOnly: true)
        #expect(try batchOffsets(committed) == [0])
        #expect(committed.lastStableOffset == 1)
        #expect(try log.read(from: 1, maxBytes: 1 << 20, minOneBatch: true, committedOnly: true).records == nil)
        #expect(try batchOffsets(log.read(from: 0, maxBytes: 1 << 20, minOneBatch: true)) == [0, 1, 3, 4])

        _ = try log.append(marker(.commit, producerId: 7), batchCount: 1, now: 5)  // 6
        #expect(log.lastStableOffset == 4)
        _ = try log.append(marker(.abort, producerId: 8), batchCount: 1, now: 5)  // 7
        #expect(log.lastStableOffset == 8)
        #expect(
            log.abortedTransactions(from: 0, to: 8)
                == [AbortedTransaction(producerId: 8, firstOffset: 4, lastOffset: 7, lastStableOffset: 8)])
        #expect(log.abortedTransactions(from: 8, to: 9).isEmpty)
        #expect(
            try batchOffsets(log.read(from: 0, maxBytes: 1 << 20, minOneBatch: true, committedOnly: true)) == [
                0, 1, 3, 4, 6, 7,
            ])
    }

    @Test(arguments: Backend.allCases)
    func aMarkerWithAnOlderEpochIsFencedAndANewerOneTaken(backend: Backend) throws {
        let log = try Fixture(backend).openLog()
        _ = try log.append(transactionalBatch(producerId: 7, epoch: 3, sequence: 0), batchCount: 1, now: 5)
        #expect(throws: StorageError.invalidProducerEpoch(producerId: 7, epoch: 2, currentEpoch: 3)) {
            try log.append(marker(.abort, producerId: 7, epoch: 2), batchCount: 1, now: 5)
        }
        // A fence bumps the epoch: the abort marker carries epoch 4, and epoch 3 is then fenced.
        _ = try log.append(marker(.abort, producerId: 7, epoch: 4), batchCount: 1, now: 5)
        #expect(log.lastStableOffset == log.logEndOffset)
        #expect(throws: StorageError.invalidProducerEpoch(producerId: 7, epoch: 3, currentEpoch: 4)) {
            try log.append(transactionalBatch(producerId: 7, epoch: 3, sequence: 2), batchCount: 1, now: 5)
        }
    }

    @Test(arguments: Backend.allCases)
    func openTransactionsAndAbortsSurviveACleanRestart(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        _ = try log.append(transactionalBatch(producerId: 7, sequence: 0), batchCount: 1, now: 5)  // 0-1
        _ = try log.append(marker(.abort, producerId: 7), batchCount: 1, now: 5)  // 2
        _ = try log.append(transactionalBatch(producerId: 9, sequence: 0), batchCount: 1, now: 5)  // 3-4
        let aborted = log.abortedTransactions(from: 0, to: 10)
        try log.close()
        let reopened = try fixture.openLog(cleanShutdown: true)
        #expect(reopened.lastStableOffset == 3)
        #expect(reopened.abortedTransactions(from: 0, to: 10) == aborted)
        _ = try reopened.append(marker(.commit, producerId: 9), batchCount: 1, now: 5)
        #expect(reopened.lastStableOffset == 6)
    }

    @Test func crashRebuildsTheOpenTransactionAndTheLostIndexFromTheLog() async throws {
        let fixture = Fixture(.memory)
        let log = try fixture.openLog(cleanShutdown: false)
        _ = try log.append(transactionalBatch(producerId: 7, sequence: 0), batchCount: 1, now: 5)  // 0-1
        _ = try log.append(marker(.abort, producerId: 7), batchCount: 1, now: 5)  // 2
        _ = try log.append(transactionalBatch(producerId: 9, sequence: 0), batchCount: 1, now: 5)  // 3-4
        try await log.flush(through: log.logEndOffset - 1)
        // The index file was never fsynced: the crash loses it, recovery replays the marker.
        fixture.memory?.crash()
        let recovered = try fixture.openLog(cleanShutdown: false)
        #expect(recovered.lastStableOffset == 3)
        #expect(
            recovered.abortedTransactions(from: 0, to: 10)
                == [AbortedTransaction(producerId: 7, firstOffset: 0, lastOffset: 2, lastStableOffset: 3)])
        // Recovering again reads the rebuilt file and does not add the entry twice.
        try recovered.close()
        let again = try fixture.openLog(cleanShutdown: false)
        #expect(again.abortedTransactions(from: 0, to: 10).count == 1)
    }

    @Test func abortsOfARolledSegmentSurviveAPowerLoss() async throws {
        let fixture = Fixture(.memory)
        var config = LogConfig()
        config.segmentBytes = 400
        let log = try fixture.openLog(config: config, cleanShutdown: false)
        _ = try log.append(transactionalBatch(producerId: 7, sequence: 0), batchCount: 1, now: 5)  // 0-1
        _ = try log.append(marker(.abort, producerId: 7), batchCount: 1, now: 5)  // 2
        while log.segmentCount < 3 {
            _ = try log.append(plainBatch(), batchCount: 1, now: 5)
        }
        try await log.flush(through: log.logEndOffset - 1)
        // The roll snapshotted the producer state: recovery replays only the last segment, so the
        // first segment's aborted transaction can come only from its `.txnindex`.
        fixture.memory?.crash()
        let recovered = try fixture.openLog(config: config, cleanShutdown: false)
        #expect(recovered.abortedTransactions(from: 0, to: 100).map(\.lastOffset) == [2])
    }

    @Test func abortedTransactionsInRangeAreFoundAmongMany() throws {
        let log = try Fixture(.memory).openLog()
        var markers: [Int64] = []
        for producer in Int64(1)...Int64(40) {
            _ = try log.append(transactionalBatch(producerId: producer, sequence: 0), batchCount: 1, now: 5)
            markers.append(try log.append(marker(.abort, producerId: producer), batchCount: 1, now: 5).firstOffset)
        }
        // Each transaction is offsets 3k..3k+1 with its marker at 3k+2.
        for from in [Int64(0), 1, 2, 3, 50, 59, 60, 118, 119, 120] {
            let expected = markers.filter { $0 >= from }.map { $0 - 2 }
            #expect(log.abortedTransactions(from: from, to: 120).map(\.firstOffset) == expected, "from \(from)")
        }
        #expect(log.abortedTransactions(from: 0, to: 3).map(\.producerId) == [1])
    }

    @Test func controlRecordTypeIsReadFromAMarkerBatch() {
        let commit = marker(.commit, producerId: 1)
        #expect(ControlRecordType.of(batchIn: commit, at: commit.readerIndex) == .commit)
        let abort = marker(.abort, producerId: 1)
        #expect(ControlRecordType.of(batchIn: abort, at: abort.readerIndex) == .abort)
        let header = try? RecordBatchHeader(parsing: commit, at: commit.readerIndex)
        #expect(header?.isControl == true && header?.isTransactional == true)
        #expect(throws: Never.self) { try RecordBatchValidator.validate(commit, maxBatchBytes: 1 << 20) }
    }
}
