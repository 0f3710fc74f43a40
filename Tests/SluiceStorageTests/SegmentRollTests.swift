import NIOCore
import Testing

@testable import SluiceStorage

@Suite("Segment rolling and reopening")
struct SegmentRollTests {
    @Test(arguments: Backend.allCases)
    func rollsBySize(backend: Backend) throws {
        let fixture = Fixture(backend)
        let batch = makeBatch(records: 4, valueSize: 100)
        var config = LogConfig()
        config.segmentBytes = batch.readableBytes * 3  // three batches fit, the fourth rolls
        let log = try fixture.openLog(config: config)
        for _ in 0..<10 { _ = try log.append(batch, batchCount: 1, now: 0) }
        #expect(log.segmentBaseOffsets == [0, 12, 24, 36])
        #expect(fixture.io.fileExists(atPath: fixture.segmentPath(12, ".log")))
        #expect(fixture.io.fileExists(atPath: fixture.segmentPath(36, ".timeindex")))
        #expect(try readAll(log).map(\.base) == stride(from: 0, to: 40, by: 4).map { Int64($0) })
        #expect(log.sizeInBytes == Int64(batch.readableBytes * 10))
    }

    @Test(arguments: Backend.allCases)
    func rollsByTime(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentMs = 1_000
        let log = try fixture.openLog(config: config)
        _ = try log.append(makeBatch(records: 2, timestamp: 10_000), batchCount: 1, now: 10_000)
        _ = try log.append(makeBatch(records: 2, timestamp: 10_500), batchCount: 1, now: 10_500)
        #expect(log.segmentCount == 1)
        // Appending after segment.ms rolls first.
        _ = try log.append(makeBatch(records: 2, timestamp: 11_100), batchCount: 1, now: 11_100)
        #expect(log.segmentBaseOffsets == [0, 4])
        // rollIfDue rolls an idle segment without an append.
        try log.rollIfDue(now: 11_500)
        #expect(log.segmentCount == 2)
        try log.rollIfDue(now: 12_200)
        #expect(log.segmentBaseOffsets == [0, 4, 6])
        // An empty active segment never rolls.
        try log.rollIfDue(now: 99_000)
        #expect(log.segmentCount == 3)
        #expect(try readAll(log).map(\.base) == [0, 2, 4])
    }

    @Test(arguments: Backend.allCases)
    func rollsWhenAnIndexIsFull(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.indexIntervalBytes = 1
        config.maxIndexBytes = 36  // the time index (12-byte entries) fills after 2 entries
        let log = try fixture.openLog(config: config)
        for _ in 0..<8 { _ = try log.append(makeBatch(records: 1, timestamp: 5), batchCount: 1, now: 0) }
        #expect(log.segmentCount > 1)
        #expect(try readAll(log).count == 8)
    }

    @Test(arguments: Backend.allCases)
    func oldProducerTimestampsDoNotRollEveryAppend(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentMs = 1_000
        let log = try fixture.openLog(config: config)
        for index in 0..<5 {
            _ = try log.append(makeBatch(records: 1, timestamp: 1), batchCount: 1, now: 50_000 + Int64(index))
        }
        #expect(log.segmentCount == 1)
    }

    @Test(arguments: Backend.allCases)
    func reopensAfterCleanClose(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentBytes = 4_000
        config.indexIntervalBytes = 500
        let log = try fixture.openLog(config: config)
        for index in 0..<40 {
            _ = try log.append(makeBatch(records: 3, timestamp: 1_000 + Int64(index) * 10), batchCount: 1, now: 0)
        }
        let before = try readAll(log)
        let segments = log.segmentBaseOffsets
        try log.close()
        #expect(throws: StorageError.closed) { try log.read(from: 0, maxBytes: 10, minOneBatch: true) }

        let reopened = try fixture.openLog(config: config, cleanShutdown: true)
        #expect(reopened.logEndOffset == 120)
        #expect(reopened.logStartOffset == 0)
        #expect(reopened.segmentBaseOffsets == segments)
        let after = try readAll(reopened)
        #expect(after.map(\.base) == before.map(\.base))
        #expect(try reopened.maxTimestampEntry()?.timestamp == 1_000 + 39 * 10 + 2)
        let result = try reopened.append(makeBatch(records: 1), batchCount: 1, now: 0)
        #expect(result.firstOffset == 120)
    }

    @Test(arguments: Backend.allCases)
    func missingIndexIsRebuiltByHeaderScan(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentBytes = 3_000
        config.indexIntervalBytes = 300
        let log = try fixture.openLog(config: config)
        for _ in 0..<30 { _ = try log.append(makeBatch(records: 2), batchCount: 1, now: 0) }
        let indexBytes = try fixture.fileBytes(fixture.segmentPath(0, ".index"))
        #expect(!indexBytes.isEmpty)
        try log.close()
        try fixture.io.removeItem(atPath: fixture.segmentPath(0, ".index"))

        let reopened = try fixture.openLog(config: config, cleanShutdown: true)
        #expect(try fixture.fileBytes(fixture.segmentPath(0, ".index")) == indexBytes)
        #expect(try readAll(reopened).count == 30)
    }
}
