import NIOCore
import Testing

@testable import SluiceStorage

@Suite("Full disk during append")
struct NoSpaceTests {
    /// Makes writes fail after `bytes` more bytes: MemoryFileIO's own fault injection, or the
    /// counting wrapper around the real disk.
    private func failWrites(_ fixture: Fixture, afterBytes bytes: Int) {
        if let memory = fixture.memory {
            memory.failWrites(afterBytes: bytes, with: .noSpace)
        } else {
            fixture.counting.writeBudget.withLockedValue { $0 = bytes }
        }
    }

    private func allowWrites(_ fixture: Fixture) {
        fixture.memory?.allowWrites()
        fixture.counting.writeBudget.withLockedValue { $0 = nil }
    }

    @Test(arguments: Backend.allCases)
    func failedAppendLeavesLogConsistent(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.indexIntervalBytes = 100
        let batch = makeBatch(records: 3, valueSize: 100)
        let size = batch.readableBytes
        let log = try fixture.openLog(config: config)
        for _ in 0..<5 { _ = try log.append(batch, batchCount: 1, now: 0) }

        failWrites(fixture, afterBytes: size + size / 2)
        #expect(throws: StorageError.noSpace) {
            try log.append(concatenate([batch, batch]), batchCount: 2, now: 0)
        }
        #expect(log.logEndOffset == 15)
        #expect(log.sizeInBytes == Int64(size * 5))
        #expect(try fixture.fileBytes(fixture.segmentPath(0, ".log")).count == size * 5)
        #expect(try readAll(log).count == 5)
        #expect(throws: StorageError.offsetOutOfRange(requested: 16, logStart: 0, logEnd: 15)) {
            try log.read(from: 16, maxBytes: 100, minOneBatch: true)
        }

        allowWrites(fixture)
        let result = try log.append(batch, batchCount: 1, now: 0)
        #expect(result.firstOffset == 15)
        #expect(try readAll(log).map(\.base) == [0, 3, 6, 9, 12, 15])

        // What is on disk is consistent too.
        try log.close()
        let reopened = try fixture.openLog(config: config, cleanShutdown: false)
        #expect(reopened.logEndOffset == 18)
        #expect(try readAll(reopened).count == 6)
    }

    @Test(arguments: Backend.allCases)
    func failureWhileWritingIndexesRollsBackTheLog(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.indexIntervalBytes = 10
        let batch = makeBatch(records: 1, valueSize: 50)
        let log = try fixture.openLog(config: config)
        for _ in 0..<3 { _ = try log.append(batch, batchCount: 1, now: 0) }
        // The log bytes fit; the index entry that follows them does not.
        failWrites(fixture, afterBytes: batch.readableBytes + 3)
        #expect(throws: StorageError.noSpace) { try log.append(batch, batchCount: 1, now: 0) }
        allowWrites(fixture)
        #expect(log.logEndOffset == 3)
        #expect(try fixture.fileBytes(fixture.segmentPath(0, ".log")).count == batch.readableBytes * 3)
        #expect(try fixture.fileBytes(fixture.segmentPath(0, ".index")).count % 8 == 0)
        #expect(try log.append(batch, batchCount: 1, now: 0).firstOffset == 3)
        #expect(try readAll(log).count == 4)
    }
}
