import KafkaRecords
import KafkaWire
import NIOCore
import Testing

@testable import SluiceStorage

@Suite("PartitionLog append and read")
struct PartitionLogAppendReadTests {
    @Test(arguments: Backend.allCases)
    func roundTripAcrossManyBatches(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.indexIntervalBytes = 256
        let log = try fixture.openLog(config: config)
        var expected: [(Int64, Int64)] = []
        for index in 0..<200 {
            let count = 1 + index % 7
            let result = try log.append(makeBatch(records: count, valueSize: 20), batchCount: 1, now: 5_000)
            #expect(result.firstOffset == (expected.last?.1 ?? -1) + 1)
            #expect(result.lastOffset == result.firstOffset + Int64(count) - 1)
            #expect(result.logAppendTime == -1)
            expected.append((result.firstOffset, result.lastOffset))
        }
        #expect(log.logEndOffset == expected.last!.1 + 1)
        #expect(log.highWatermark == log.logEndOffset)
        let read = try readAll(log)
        #expect(read.map(\.base) == expected.map(\.0))
        #expect(read.map(\.last) == expected.map(\.1))
        // Every offset (not only batch starts) finds the batch that holds it.
        for offset in stride(from: Int64(0), to: log.logEndOffset, by: 3) {
            let first = try batchOffsets(try log.read(from: offset, maxBytes: 1, minOneBatch: true).records!.allBytes)
            #expect(first.count == 1)
            #expect(first[0].base <= offset && offset <= first[0].last)
        }
    }

    @Test(arguments: Backend.allCases)
    func severalBatchesInOneAppendGetConsecutiveOffsets(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        _ = try log.append(makeBatch(records: 3), batchCount: 1, now: 0)
        let batches = concatenate([makeBatch(records: 2), makeBatch(records: 5), makeBatch(records: 1)])
        let result = try log.append(batches, batchCount: 3, now: 0)
        #expect(result.firstOffset == 3)
        #expect(result.lastOffset == 10)
        let offsets = try readAll(log)
        #expect(offsets.map(\.base) == [0, 3, 5, 10])
        #expect(offsets.map(\.last) == [2, 4, 9, 10])
        // The caller's buffer was not modified (the offsets were rewritten on the way to the file).
        #expect(try RecordBatchHeader(parsing: batches, at: 0).baseOffset == 0)
    }

    @Test(arguments: Backend.allCases)
    func readFromMiddleOfBatchReturnsThatBatch(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        _ = try log.append(makeBatch(records: 10), batchCount: 1, now: 0)
        _ = try log.append(makeBatch(records: 10), batchCount: 1, now: 0)
        let read = try log.read(from: 14, maxBytes: 1 << 20, minOneBatch: true)
        let offsets = try batchOffsets(read.records!.allBytes)
        #expect(offsets.map(\.base) == [10])
        #expect(read.highWatermark == 20)
        #expect(read.logStartOffset == 0)
    }

    @Test(arguments: Backend.allCases)
    func maxBytesTakesWholeBatchesAndMinOneBatch(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        let batch = makeBatch(records: 5, valueSize: 100)
        let size = batch.readableBytes
        for _ in 0..<10 { _ = try log.append(batch, batchCount: 1, now: 0) }

        let three = try log.read(from: 0, maxBytes: size * 3 + size / 2, minOneBatch: false)
        #expect(three.records!.byteCount == size * 3)
        #expect(try batchOffsets(three.records!.allBytes).map(\.base) == [0, 5, 10])

        let tooSmall = try log.read(from: 5, maxBytes: size - 1, minOneBatch: false)
        #expect(tooSmall.records == nil)
        let forced = try log.read(from: 5, maxBytes: size - 1, minOneBatch: true)
        #expect(try batchOffsets(forced.records!.allBytes).map(\.base) == [5])

        let everything = try log.read(from: 0, maxBytes: 1 << 30, minOneBatch: false)
        #expect(everything.records!.byteCount == size * 10)
    }

    @Test(arguments: Backend.allCases)
    func sequentialReadsContinueWhereTheyStopped(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.indexIntervalBytes = 1 << 20  // no index: positions come from the read cache or a scan
        let log = try fixture.openLog(config: config)
        let batch = makeBatch(records: 2, valueSize: 10)
        for _ in 0..<50 { _ = try log.append(batch, batchCount: 1, now: 0) }
        var next: Int64 = 0
        var seen: [Int64] = []
        while next < log.logEndOffset {
            let offsets = try batchOffsets(
                try log.read(from: next, maxBytes: batch.readableBytes * 4, minOneBatch: true).records!.allBytes)
            seen += offsets.map(\.base)
            next = offsets.last!.last + 1
        }
        #expect(seen == stride(from: 0, to: 100, by: 2).map { Int64($0) })
    }

    @Test(arguments: Backend.allCases)
    func offsetsOutOfRangeOnBothSides(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        _ = try log.append(makeBatch(records: 4), batchCount: 1, now: 0)
        #expect(throws: StorageError.offsetOutOfRange(requested: 5, logStart: 0, logEnd: 4)) {
            try log.read(from: 5, maxBytes: 100, minOneBatch: true)
        }
        #expect(throws: StorageError.offsetOutOfRange(requested: -1, logStart: 0, logEnd: 4)) {
            try log.read(from: -1, maxBytes: 100, minOneBatch: true)
        }
        let atEnd = try log.read(from: 4, maxBytes: 100, minOneBatch: true)
        #expect(atEnd.records == nil)
        #expect(atEnd.highWatermark == 4)
    }

    @Test(arguments: Backend.allCases)
    func logAppendTimeStampsEveryBatch(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.timestampType = .logAppendTime
        let log = try fixture.openLog(config: config)
        let result = try log.append(
            concatenate([makeBatch(records: 3), makeBatch(records: 2)]), batchCount: 2, now: 777_000)
        #expect(result.logAppendTime == 777_000)
        let bytes = try log.read(from: 0, maxBytes: 1 << 20, minOneBatch: true).records!.allBytes
        _ = try batchOffsets(bytes)  // CRCs still valid after stamping
        let first = try RecordBatchHeader(parsing: bytes, at: bytes.readerIndex)
        #expect(first.timestampType == .logAppendTime)
        #expect(first.maxTimestamp == 777_000)
        let second = try RecordBatchHeader(parsing: bytes, at: bytes.readerIndex + first.totalSize)
        #expect(second.timestampType == .logAppendTime)
        #expect(second.maxTimestamp == 777_000)
        #expect(try log.maxTimestampEntry()?.timestamp == 777_000)
    }

    @Test(arguments: Backend.allCases)
    func diskReadsAreZeroCopyFileSlices(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        _ = try log.append(makeBatch(records: 2), batchCount: 1, now: 0)
        let records = try log.read(from: 0, maxBytes: 1 << 20, minOneBatch: true).records!
        switch (backend, records) {
        case (.disk, .file), (.memory, .bytes): break
        default: Issue.record("unexpected payload kind \(records) for \(backend)")
        }
    }
}
