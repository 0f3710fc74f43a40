import Testing

@testable import SluiceStorage

@Suite("Retention")
struct RetentionTests {
    /// A log of 6 segments, 2 batches each; segment k has timestamps around 1000 * (k + 1).
    private func makeLog(_ fixture: Fixture, config: LogConfig) throws -> (PartitionLog, batchSize: Int) {
        let batch = makeBatch(records: 5, valueSize: 50)
        var config = config
        config.segmentBytes = batch.readableBytes * 2
        let log = try fixture.openLog(config: config)
        for segment in 0..<6 {
            for _ in 0..<2 {
                let timestamp = Int64(segment + 1) * 1_000
                _ = try log.append(
                    makeBatch(records: 5, valueSize: 50, timestamp: timestamp), batchCount: 1, now: timestamp)
            }
        }
        #expect(log.segmentCount == 6)
        return (log, batch.readableBytes)
    }

    @Test(arguments: Backend.allCases)
    func byTime(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.retentionMs = 2_500
        config.segmentMs = .max
        let (log, _) = try makeLog(fixture, config: config)
        // now 5000: segments with newest timestamp < 2500 (timestamps ~1000 and ~2000) go.
        #expect(try log.enforceRetention(now: 5_000) == 2)
        #expect(log.logStartOffset == 20)
        #expect(log.segmentBaseOffsets == [20, 30, 40, 50])
        #expect(!fixture.io.fileExists(atPath: fixture.segmentPath(0, ".log")))
        #expect(!fixture.io.fileExists(atPath: fixture.segmentPath(10, ".index")))
        #expect(throws: StorageError.offsetOutOfRange(requested: 5, logStart: 20, logEnd: 60)) {
            try log.read(from: 5, maxBytes: 100, minOneBatch: true)
        }
        #expect(try readAll(log, from: 20).first?.base == 20)
        // Far in the future every inactive segment is old, but the active one stays.
        #expect(try log.enforceRetention(now: 1_000_000) == 3)
        #expect(log.segmentBaseOffsets == [50])
        #expect(log.logStartOffset == 50)
        #expect(log.logEndOffset == 60)
        let result = try log.append(makeBatch(records: 1), batchCount: 1, now: 1_000_000)
        #expect(result.firstOffset == 60)
        #expect(result.logStartOffset == 50)
    }

    @Test(arguments: Backend.allCases)
    func bySize(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.retentionMs = -1
        let (log, batchSize) = try makeLog(fixture, config: config)
        var smaller = log.config
        smaller.retentionBytes = Int64(batchSize * 2 * 3)  // room for three segments
        log.config = smaller
        #expect(try log.enforceRetention(now: 0) == 3)
        #expect(log.segmentBaseOffsets == [30, 40, 50])
        #expect(log.logStartOffset == 30)
        #expect(log.sizeInBytes == Int64(batchSize * 6))
        // Nothing more to do.
        #expect(try log.enforceRetention(now: 0) == 0)
        // retention.bytes 0 still keeps the active segment.
        smaller.retentionBytes = 0
        log.config = smaller
        #expect(try log.enforceRetention(now: 0) == 2)
        #expect(log.segmentBaseOffsets == [50])
    }

    @Test(arguments: Backend.allCases)
    func foreverKeepsEverything(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.retentionMs = -1
        config.retentionBytes = -1
        let (log, _) = try makeLog(fixture, config: config)
        #expect(try log.enforceRetention(now: .max / 2) == 0)
        #expect(log.segmentCount == 6)
    }

    @Test(arguments: Backend.allCases)
    func logStartSurvivesReopen(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.retentionMs = 2_500
        let (log, _) = try makeLog(fixture, config: config)
        _ = try log.enforceRetention(now: 5_000)
        try log.close()
        let reopened = try fixture.openLog(config: config)
        #expect(reopened.logStartOffset == 20)
        #expect(reopened.logEndOffset == 60)
    }
}
