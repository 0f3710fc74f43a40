import KafkaRecords
import NIOCore
import Testing

@testable import SluiceStorage

/// One record as a consumer of the log sees it.
struct StoredRecord: Equatable, CustomStringConvertible {
    var offset: Int64
    var key: String?
    var value: String?
    var description: String { "\(offset):\(key ?? "∅")=\(value ?? "∅")" }
}

/// A batch of `(key, value)` records (nil value: a tombstone) with timestamps from `timestamp`.
func keyedBatch(
    _ records: [(String?, String?)], timestamp: Int64 = 1_000, compression: CompressionCodec = .none,
    producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1
) -> ByteBuffer {
    var builder = RecordBatchBuilder(
        baseTimestamp: timestamp, producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence,
        compression: compression)
    for (index, (key, value)) in records.enumerated() {
        builder.append(
            key: key.map { ByteBuffer(string: $0) }, value: value.map { ByteBuffer(string: $0) }, headers: [],
            timestamp: timestamp + Int64(index))
    }
    return builder.build()
}

/// Every record from the log start to the end, with the batch headers they came in.
func readRecords(_ log: PartitionLog) throws -> (records: [StoredRecord], headers: [RecordBatchHeader]) {
    var records: [StoredRecord] = []
    var headers: [RecordBatchHeader] = []
    var next = log.logStartOffset
    while next < log.logEndOffset {
        var bytes = try log.read(from: next, maxBytes: 1 << 20, minOneBatch: true).records!.allBytes
        _ = try batchOffsets(bytes)  // checks every CRC
        while bytes.readableBytes > 0 {
            let header = try RecordBatchHeader(parsing: bytes, at: bytes.readerIndex)
            let batch = bytes.readSlice(length: header.totalSize)!
            headers.append(header)
            for record in try RecordBatchReader.records(in: batch) where record.offset(in: header) >= next {
                records.append(
                    StoredRecord(
                        offset: record.offset(in: header), key: record.key.map { String(buffer: $0) },
                        value: record.value.map { String(buffer: $0) }))
            }
            next = header.lastOffset + 1
        }
    }
    return (records, headers)
}

/// The latest value per key (nil for a key whose latest record is a tombstone).
func latestValues(_ records: [StoredRecord]) -> [String: String?] {
    var latest: [String: String?] = [:]
    for record in records { if let key = record.key { latest[key] = .some(record.value) } }
    return latest
}

@Suite("Compaction")
struct CompactionTests {
    static func compactConfig(segmentBytes: Int = 600) -> LogConfig {
        var config = LogConfig()
        config.compacts = true
        config.deletesByRetention = false
        config.segmentBytes = segmentBytes
        config.segmentMs = .max
        config.deleteRetentionMs = 1_000
        return config
    }

    /// Ten rounds of updates to keys k0…k9, one batch per round; segments of about two batches.
    static func fillRounds(_ log: PartitionLog, rounds: Int = 10, compression: CompressionCodec = .none) throws {
        for round in 0..<rounds {
            let batch = keyedBatch(
                (0..<10).map { ("k\($0)", "v\(round)") }, timestamp: 1_000 + Int64(round), compression: compression)
            _ = try log.append(batch, batchCount: 1, now: 1_000)
        }
    }

    @Test(arguments: Backend.allCases)
    func keepsTheLatestRecordPerKey(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(config: Self.compactConfig())
        try Self.fillRounds(log)
        let before = try readRecords(log).records
        let segmentsBefore = log.segmentCount
        #expect(segmentsBefore >= 3)

        let result = try #require(try log.clean(now: 10_000))
        #expect(result.segmentsRewritten > 0)
        let after = try readRecords(log).records
        // Same latest value per key; offsets are preserved (a subset, increasing).
        #expect(latestValues(after) == latestValues(before))
        #expect(Set(after.map(\.offset)).isSubset(of: Set(before.map(\.offset))))
        #expect(after.map(\.offset) == after.map(\.offset).sorted())
        #expect(after.count < before.count)
        // Below the active segment, each key appears at most once.
        let activeBase = log.segmentBaseOffsets.last!
        let cleanedKeys = after.filter { $0.offset < activeBase }.compactMap(\.key)
        #expect(cleanedKeys.count == Set(cleanedKeys).count)
        #expect(log.logStartOffset == 0)
        // Nothing left to do until new data arrives.
        #expect(try log.cleanableRange(now: 10_000)?.shouldClean == false)

        // Groups are formed by the old sizes; the next pass merges the now small segments.
        _ = try log.clean(now: 10_000, force: true)
        #expect(log.segmentCount < segmentsBefore)
        #expect(try readRecords(log).records == after)

        // The result survives a restart.
        try log.close()
        let reopened = try fixture.openLog(config: Self.compactConfig(), cleanShutdown: false)
        #expect(try readRecords(reopened).records == after)
        // The cleaner checkpoint survives too: nothing is dirty.
        let range = try #require(try reopened.cleanableRange(now: 10_000))
        #expect(range.firstDirtyOffset == range.firstUncleanableOffset && !range.shouldClean)
    }

    @Test(arguments: Backend.allCases)
    func tombstonesStayForDeleteRetentionThenGo(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(config: Self.compactConfig())
        _ = try log.append(keyedBatch([("a", "1"), ("b", "1"), ("c", "1")]), batchCount: 1, now: 1_000)
        _ = try log.append(keyedBatch([("b", nil)]), batchCount: 1, now: 1_000)
        try Self.fillRounds(log, rounds: 4)  // other keys, to roll segments

        _ = try log.clean(now: 5_000, force: true)
        var records = try readRecords(log).records
        #expect(records.contains(StoredRecord(offset: 3, key: "b", value: nil)))
        #expect(!records.contains { $0.key == "b" && $0.value != nil })
        // The horizon (5000 + delete.retention.ms 1000) has not passed at 5500: still there.
        _ = try log.clean(now: 5_500, force: true)
        #expect(try readRecords(log).records.contains(StoredRecord(offset: 3, key: "b", value: nil)))
        // After it the pass is due on its own — also after a restart, which reads the horizon
        // from the cleaner checkpoint — and the tombstone is gone.
        try log.close()
        let reopened = try fixture.openLog(config: Self.compactConfig(), cleanShutdown: true)
        #expect(try reopened.cleanableRange(now: 5_999)?.shouldClean == false)
        #expect(try reopened.cleanableRange(now: 6_001)?.shouldClean == true)
        _ = try reopened.clean(now: 6_001)
        records = try readRecords(reopened).records
        #expect(!records.contains { $0.key == "b" })
        #expect(records.contains(StoredRecord(offset: 0, key: "a", value: "1")))
    }

    @Test(arguments: Backend.allCases)
    func compressedBatchesKeepTheirCodecAndProducerFields(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(config: Self.compactConfig(segmentBytes: 300))
        let first = keyedBatch(
            [("x", "old"), ("y", "1"), ("x", "mid")], compression: .zstd, producerId: 7, producerEpoch: 2,
            baseSequence: 0)
        _ = try log.append(first, batchCount: 1, now: 1_000)
        _ = try log.append(
            keyedBatch([("x", "new")], compression: .zstd, producerId: 7, producerEpoch: 2, baseSequence: 3),
            batchCount: 1, now: 1_000)
        try Self.fillRounds(log, rounds: 3, compression: .lz4)
        _ = try log.clean(now: 5_000, force: true)

        let (records, headers) = try readRecords(log)
        #expect(records.first == StoredRecord(offset: 1, key: "y", value: "1"))
        let rewritten = try #require(headers.first)
        #expect(rewritten.compression == .zstd)
        #expect(rewritten.baseOffset == 0 && rewritten.lastOffset == 2)
        #expect(rewritten.producerId == 7 && rewritten.producerEpoch == 2 && rewritten.baseSequence == 0)
        #expect(rewritten.recordCount == 1)
        #expect(headers.dropFirst().contains { $0.compression == .lz4 })
    }

    @Test(arguments: Backend.allCases)
    func recordsYoungerThanTheCompactionLagAreLeftAlone(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = Self.compactConfig()
        config.minCompactionLagMs = 60_000
        let log = try fixture.openLog(config: config)
        try Self.fillRounds(log)  // timestamps around 1000
        let before = try readRecords(log).records
        #expect(try log.clean(now: 30_000) == nil)
        #expect(try readRecords(log).records == before)
        #expect(try log.clean(now: 100_000) != nil)
        #expect(try readRecords(log).records.count < before.count)
    }

    @Test(arguments: Backend.allCases)
    func dirtyRatioDecidesWhenToClean(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = Self.compactConfig()
        config.minCleanableDirtyRatio = 0.9
        let log = try fixture.openLog(config: config)
        try Self.fillRounds(log)
        // Never cleaned: everything is dirty.
        let range = try #require(try log.cleanableRange(now: 5_000))
        #expect(range.dirtyRatio == 1)
        _ = try log.clean(now: 5_000)
        try Self.fillRounds(log, rounds: 4)
        let later = try #require(try log.cleanableRange(now: 5_000))
        #expect(later.dirtyRatio > 0 && later.dirtyRatio < 1)
        // Just above the ratio: not due; just below: due.
        config.minCleanableDirtyRatio = later.dirtyRatio + 0.01
        log.config = config
        #expect(try log.clean(now: 5_000) == nil)
        config.minCleanableDirtyRatio = later.dirtyRatio - 0.01
        log.config = config
        #expect(try log.clean(now: 5_000) != nil)
    }

    @Test(arguments: Backend.allCases)
    func activeSegmentAndNonCompactLogsAreNeverCleaned(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = Self.compactConfig(segmentBytes: 1 << 20)
        let log = try fixture.openLog(config: config)
        try Self.fillRounds(log)
        #expect(log.segmentCount == 1)
        #expect(try log.clean(now: 5_000, force: true)?.segmentsRewritten ?? 0 == 0)
        #expect(try readRecords(log).records.count == 100)
        config.compacts = false
        log.config = config
        #expect(try log.cleanableRange(now: 5_000) == nil)
        #expect(try log.clean(now: 5_000, force: true) == nil)
    }
}

@Suite("DeleteRecords")
struct DeleteRecordsTests {
    @Test(arguments: Backend.allCases)
    func advancesTheLogStartAndSurvivesARestart(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentBytes = 600
        let log = try fixture.openLog(config: config)
        try CompactionTests.fillRounds(log)  // offsets 0..<100, 10 per batch
        let bases = log.segmentBaseOffsets
        #expect(bases.count >= 3)
        // Inside the second segment: the first segment is deleted, the second stays.
        let target = bases[1] + 5
        #expect(try log.deleteRecords(before: target) == target)
        #expect(log.logStartOffset == target)
        #expect(log.segmentBaseOffsets.first == bases[1])
        #expect(!fixture.io.fileExists(atPath: fixture.segmentPath(0, ".log")))
        #expect(throws: StorageError.offsetOutOfRange(requested: target - 1, logStart: target, logEnd: 100)) {
            try log.read(from: target - 1, maxBytes: 100, minOneBatch: true)
        }
        #expect(try readRecords(log).records.first?.offset == target)
        // A lower offset changes nothing; past the end is out of range.
        #expect(try log.deleteRecords(before: 3) == target)
        #expect(throws: StorageError.offsetOutOfRange(requested: 101, logStart: target, logEnd: 100)) {
            try log.deleteRecords(before: 101)
        }
        try log.close()
        let reopened = try fixture.openLog(config: config, cleanShutdown: false)
        #expect(reopened.logStartOffset == target)
        // -1: everything up to the high watermark.
        #expect(try reopened.deleteRecords(before: -1) == 100)
        #expect(reopened.segmentCount == 1)
    }

    @Test(arguments: Backend.allCases)
    func retentionDoesNotDeleteCompactOnlyLogs(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = CompactionTests.compactConfig()
        config.retentionMs = 1
        let log = try fixture.openLog(config: config)
        try CompactionTests.fillRounds(log)
        #expect(try log.enforceRetention(now: 1_000_000) == 0)
        config.deletesByRetention = true
        log.config = config
        #expect(try log.enforceRetention(now: 1_000_000) > 0)
    }
}

@Suite("Compaction and transactions")
struct CompactionTransactionTests {
    /// A transactional batch of keyed records of producer `producerId`.
    static func keyedTransactional(_ records: [(String, String)], producerId: Int64, sequence: Int32) -> ByteBuffer {
        var builder = RecordBatchBuilder(
            baseTimestamp: 1_000, producerId: producerId, producerEpoch: 0, baseSequence: sequence,
            isTransactional: true)
        for (key, value) in records {
            builder.append(key: ByteBuffer(string: key), value: ByteBuffer(string: value), timestamp: 1_000)
        }
        return builder.build()
    }

    @Test(arguments: Backend.allCases)
    func abortedDataGoesCommittedDataIsCompactedMarkersAndTheIndexStay(backend: Backend) throws {
        let fixture = Fixture(backend)
        let config = CompactionTests.compactConfig()
        let log = try fixture.openLog(config: config)
        _ = try log.append(keyedBatch([("a", "1")]), batchCount: 1, now: 1_000)  // 0
        _ = try log.append(
            Self.keyedTransactional([("a", "aborted"), ("t", "x")], producerId: 7, sequence: 0),
            batchCount: 1, now: 1_000)  // 1-2
        _ = try log.append(marker(.abort, producerId: 7), batchCount: 1, now: 1_000)  // 3
        _ = try log.append(
            Self.keyedTransactional([("c", "committed"), ("k0", "old")], producerId: 8, sequence: 0),
            batchCount: 1, now: 1_000)  // 4-5
        _ = try log.append(marker(.commit, producerId: 8), batchCount: 1, now: 1_000)  // 6
        // Another transaction of producer 7, aborted: its batch is the producer's last one.
        _ = try log.append(
            Self.keyedTransactional([("z", "aborted")], producerId: 7, sequence: 2),
            batchCount: 1, now: 1_000)  // 7
        _ = try log.append(marker(.abort, producerId: 7), batchCount: 1, now: 1_000)  // 8
        try CompactionTests.fillRounds(log)  // 9..<109: keys k0…k9, rolls segments
        let aborted = log.abortedTransactions(from: 0, to: 109)
        #expect(aborted.count == 2)

        _ = try log.clean(now: 10_000, force: true)
        let (records, headers) = try readRecords(log)
        // Aborted data is gone (so "a" keeps its committed value at offset 0); markers stay.
        #expect(records.first == StoredRecord(offset: 0, key: "a", value: "1"))
        #expect(!records.contains { $0.value == "aborted" })
        #expect(headers.filter(\.isControl).map(\.baseOffset) == [3, 6, 8])
        // The last aborted batch of producer 7 stays as an empty header (its sequence range).
        let empty = try #require(headers.first { $0.baseOffset == 7 })
        #expect(empty.recordCount == 0 && empty.producerId == 7 && empty.isTransactional)
        // Committed transactional records are compacted like any other.
        #expect(records.contains(StoredRecord(offset: 4, key: "c", value: "committed")))
        #expect(!records.contains { $0.offset == 5 })
        #expect(log.abortedTransactions(from: 0, to: 109) == aborted)

        // The aborted index moved to the cleaned segment's file, so a restart still has it.
        try log.close()
        let reopened = try fixture.openLog(config: config, cleanShutdown: true)
        #expect(reopened.abortedTransactions(from: 0, to: 109) == aborted)
    }

    @Test func nothingFromTheOldestOpenTransactionOnIsCleaned() throws {
        let fixture = Fixture(.memory)
        let log = try fixture.openLog(config: CompactionTests.compactConfig())
        try CompactionTests.fillRounds(log, rounds: 3)  // 0..<30
        _ = try log.append(
            Self.keyedTransactional([("k1", "open")], producerId: 9, sequence: 0),
            batchCount: 1, now: 1_000)  // 30, never ended
        try CompactionTests.fillRounds(log, rounds: 6)  // 31..<91
        let range = try #require(try log.cleanableRange(now: 10_000))
        #expect(range.firstUncleanableOffset <= 30)
        _ = try log.clean(now: 10_000, force: true)
        let records = try readRecords(log).records
        #expect(records.filter { $0.offset >= 30 }.count == 61)
    }
}
