import KafkaRecords
import NIOCore
import Testing

@testable import SluiceStorage

@Suite("Producer state across restarts")
struct ProducerStatePersistenceTests {
    private func snapshotOffsets(_ fixture: Fixture) throws -> [Int64] {
        try ProducerStateSnapshot.offsets(in: fixture.logDirectory, io: fixture.io)
    }

    @Test(arguments: Backend.allCases)
    func cleanCloseWritesSnapshotThatReopenLoadsWithoutReplaying(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        for sequence in stride(from: Int32(0), to: 10, by: 2) {
            _ = try log.append(idempotentBatch(sequence: sequence), batchCount: 1, now: 5)
        }
        let before = log.producerState
        try log.close()
        #expect(try snapshotOffsets(fixture) == [10])
        let reopened = try fixture.openLog(cleanShutdown: true)
        #expect(reopened.producerState == before)
        // A retry after the restart is still recognised.
        let retry = try reopened.append(idempotentBatch(sequence: 6), batchCount: 1, now: 5)
        #expect(retry.isDuplicate && retry.firstOffset == 6)
        #expect(try reopened.append(idempotentBatch(sequence: 10), batchCount: 1, now: 5).firstOffset == 10)
    }

    @Test(arguments: Backend.allCases)
    func crashRebuildsStateFromTheLog(backend: Backend) async throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(cleanShutdown: false)
        for sequence in stride(from: Int32(0), to: 10, by: 2) {
            _ = try log.append(idempotentBatch(sequence: sequence), batchCount: 1, now: 5)
        }
        _ = try log.append(idempotentBatch(producerId: 9, epoch: 4, sequence: 0), batchCount: 1, now: 5)
        let before = log.producerState
        try await log.flush(through: log.logEndOffset - 1)
        fixture.memory?.crash()
        #expect(try snapshotOffsets(fixture).isEmpty)
        let recovered = try fixture.openLog(cleanShutdown: false)
        #expect(recovered.producerState == before)
        #expect(throws: StorageError.invalidProducerEpoch(producerId: 9, epoch: 3, currentEpoch: 4)) {
            try recovered.append(idempotentBatch(producerId: 9, epoch: 3, sequence: 2), batchCount: 1, now: 5)
        }
        #expect(try recovered.append(idempotentBatch(sequence: 8), batchCount: 1, now: 5).isDuplicate)
    }

    @Test(arguments: Backend.allCases)
    func rollSnapshotsStateAndRecoveryReplaysOnlyTheTail(backend: Backend) async throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentBytes = idempotentBatch(sequence: 18).readableBytes * 2
        let log = try fixture.openLog(config: config, cleanShutdown: false)
        for sequence in stride(from: Int32(0), to: 20, by: 2) {
            _ = try log.append(idempotentBatch(sequence: sequence), batchCount: 1, now: 5)
        }
        #expect(log.segmentCount == 5)
        #expect(try snapshotOffsets(fixture) == [4, 8, 12, 16])
        let before = log.producerState
        try await log.flush(through: log.logEndOffset - 1)
        // Old segments are unreadable garbage now: only the snapshot and the active segment count.
        for base: Int64 in [0, 4, 8] {
            try fixture.setFileBytes(fixture.segmentPath(base, ".log"), [UInt8](repeating: 0, count: 5))
        }
        let recovered = try fixture.openLog(config: config, cleanShutdown: false)
        #expect(recovered.producerState == before)
    }

    @Test(arguments: Backend.allCases)
    func periodicSnapshotReplacesThePreviousOneAndIsLoadedAfterACrash(backend: Backend) async throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(cleanShutdown: false)
        let size = idempotentBatch(sequence: 0).readableBytes
        log.producerSnapshotIntervalBytes = size * 3
        for sequence in stride(from: Int32(0), to: 20, by: 2) {
            _ = try log.append(idempotentBatch(sequence: sequence), batchCount: 1, now: 5)
        }
        // Batches of 2 records: a snapshot after batches 3, 6 and 9; only the newest is kept.
        #expect(try snapshotOffsets(fixture) == [18])
        try await log.flush(through: log.logEndOffset - 1)
        // A marker state in the snapshot shows that recovery loads it and replays only what follows.
        let marker = ProducerStateManager(entries: [4_242: ProducerStateEntry(producerId: 4_242, epoch: 7)])
        let snapshot = ProducerStateSnapshot.path(directory: fixture.logDirectory, offset: 18)
        var encoded = ProducerStateSnapshot.encode(marker)
        try fixture.setFileBytes(snapshot, encoded.readBytes(length: encoded.readableBytes)!)
        fixture.memory?.crash()
        let recovered = try fixture.openLog(cleanShutdown: false)
        #expect(recovered.producerState.entries[4_242]?.epoch == 7)
        #expect(recovered.producerState.entries[1_000]?.batches.map(\.firstSequence) == [18])
        #expect(try recovered.append(idempotentBatch(sequence: 20), batchCount: 1, now: 5).firstOffset == 20)
    }

    @Test(arguments: Backend.allCases)
    func corruptSnapshotAndLeftoverTemporaryFileAreRemovedAndStateRebuiltFromTheLog(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        for sequence in stride(from: Int32(0), to: 6, by: 2) {
            _ = try log.append(idempotentBatch(sequence: sequence), batchCount: 1, now: 5)
        }
        let before = log.producerState
        try log.close()
        let path = ProducerStateSnapshot.path(directory: fixture.logDirectory, offset: 6)
        var bytes = try fixture.fileBytes(path)
        bytes[bytes.count - 1] ^= 0xFF
        try fixture.setFileBytes(path, bytes)
        // A durable write that a crash interrupted leaves a temporary file; open removes it.
        try fixture.setFileBytes(path + ".tmp", [1, 2, 3])
        let reopened = try fixture.openLog(cleanShutdown: true)
        #expect(reopened.producerState == before)
        #expect(!fixture.io.fileExists(atPath: path))
        #expect(!fixture.io.fileExists(atPath: path + ".tmp"))
    }

    @Test(arguments: Backend.allCases)
    func retentionDeletesSnapshotsOfDeletedSegments(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentBytes = idempotentBatch(sequence: 0).readableBytes
        config.retentionBytes = 1
        let log = try fixture.openLog(config: config)
        for sequence in stride(from: Int32(0), to: 8, by: 2) {
            _ = try log.append(idempotentBatch(sequence: sequence), batchCount: 1, now: 5)
        }
        #expect(try snapshotOffsets(fixture) == [2, 4, 6])
        _ = try log.enforceRetention(now: 5)
        #expect(log.segmentBaseOffsets == [6])
        #expect(try snapshotOffsets(fixture) == [6])
    }

    @Test(arguments: Backend.allCases)
    func idleProducersExpireInMaintenance(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        _ = try log.append(idempotentBatch(producerId: 1, sequence: 0, timestamp: 1_000), batchCount: 1, now: 5)
        _ = try log.append(idempotentBatch(producerId: 2, sequence: 0, timestamp: 50_000), batchCount: 1, now: 5)
        log.producerIdExpirationMs = 60_000
        try log.rollIfDue(now: 61_000)
        #expect(Set(log.producerState.entries.keys) == [2])
        // The expired producer is unknown now, so any sequence starts it again.
        #expect(try log.append(idempotentBatch(producerId: 1, sequence: 30), batchCount: 1, now: 5).firstOffset == 4)
    }

    @Test func snapshotRoundTripsAndRejectsDamage() throws {
        var state = ProducerStateManager()
        state.replay(try RecordBatchHeader(parsing: idempotentBatch(producerId: 5, epoch: 2, sequence: 7), at: 0))
        state.replay(try RecordBatchHeader(parsing: idempotentBatch(producerId: 6, sequence: 0, records: 3), at: 0))
        let encoded = ProducerStateSnapshot.encode(state)
        #expect(ProducerStateSnapshot.decode(encoded) == state)
        for cut in [0, 4, 11, encoded.readableBytes - 1] {
            #expect(ProducerStateSnapshot.decode(encoded.getSlice(at: 0, length: cut)!) == nil)
        }
    }
}
