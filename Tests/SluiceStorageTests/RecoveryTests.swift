import KafkaRecords
import NIOCore
import Testing

@testable import SluiceStorage

@Suite("Recovery after an unclean shutdown")
struct RecoveryTests {
    /// Power loss with every possible kind of torn tail: whole batches of the unsynced tail
    /// survive, a partial batch is cut off, fsynced data is intact, appends continue.
    @Test(arguments: [0, 1, 7, 8, 12, 13, 60, 61, 62, 200, 499, 500, 501, 1_000, 1_499, 1_500, 2_600, 100_000])
    func crashWithTornTail(tornTailBytes: Int) async throws {
        let fixture = Fixture(.memory)
        var config = LogConfig()
        config.indexIntervalBytes = 100
        let log = try fixture.openLog(config: config, cleanShutdown: false)
        let batch = makeBatch(records: 4, valueSize: 100)
        let size = batch.readableBytes
        for _ in 0..<20 { _ = try log.append(batch, batchCount: 1, now: 0) }
        try await log.flush(through: 79)
        for _ in 0..<5 { _ = try log.append(batch, batchCount: 1, now: 0) }
        fixture.memory!.crash(tornTailBytes: tornTailBytes)

        let recovered = try fixture.openLog(config: config, cleanShutdown: false)
        let survivingBatches = 20 + min(5, tornTailBytes / size)
        #expect(recovered.logEndOffset == Int64(survivingBatches * 4))
        #expect(recovered.sizeInBytes == Int64(survivingBatches * size))
        let offsets = try readAll(recovered)
        #expect(offsets.map(\.base) == (0..<survivingBatches).map { Int64($0 * 4) })
        // The index tail is whole entries that point into the log.
        let index = try fixture.fileBytes(fixture.segmentPath(0, ".index"))
        #expect(index.count % 8 == 0)
        let timeIndex = try fixture.fileBytes(fixture.segmentPath(0, ".timeindex"))
        #expect(timeIndex.count % 12 == 0)
        for entry in stride(from: 0, to: index.count, by: 8) {
            let position = index[(entry + 4)..<(entry + 8)].reduce(0) { $0 << 8 | Int($1) }
            #expect(position < survivingBatches * size && position % size == 0)
        }
        // Every offset can still be found through the rebuilt index.
        for offset in stride(from: Int64(0), to: recovered.logEndOffset, by: 5) {
            let found = try batchOffsets(
                try recovered.read(from: offset, maxBytes: 1, minOneBatch: true).records!.allBytes)
            #expect(found.first!.base == offset / 4 * 4)
        }
        let next = try recovered.append(batch, batchCount: 1, now: 0)
        #expect(next.firstOffset == Int64(survivingBatches * 4))
        try recovered.close()
        #expect(try readAll(try fixture.openLog(config: config, cleanShutdown: true)).count == survivingBatches + 1)
    }

    @Test(arguments: Backend.allCases)
    func truncatedLogFileIsCutAtLastWholeBatch(backend: Backend) throws {
        let fixture = Fixture(backend)
        let batch = makeBatch(records: 3, valueSize: 80)
        let log = try fixture.openLog()
        for _ in 0..<10 { _ = try log.append(batch, batchCount: 1, now: 0) }
        try log.close()
        let path = fixture.segmentPath(0, ".log")
        let bytes = try fixture.fileBytes(path)
        try fixture.setFileBytes(path, Array(bytes.dropLast(batch.readableBytes / 2)))

        let recovered = try fixture.openLog(cleanShutdown: false)
        #expect(recovered.logEndOffset == 27)
        #expect(try fixture.fileBytes(path).count == batch.readableBytes * 9)
        #expect(try readAll(recovered).count == 9)
        #expect(try recovered.append(batch, batchCount: 1, now: 0).firstOffset == 27)
    }

    @Test(arguments: Backend.allCases)
    func garbledBatchAndEverythingAfterItIsDropped(backend: Backend) throws {
        let fixture = Fixture(backend)
        let batch = makeBatch(records: 3, valueSize: 80)
        let log = try fixture.openLog()
        for _ in 0..<10 { _ = try log.append(batch, batchCount: 1, now: 0) }
        try log.close()
        let path = fixture.segmentPath(0, ".log")
        var bytes = try fixture.fileBytes(path)
        bytes[batch.readableBytes * 7 + 70] ^= 0xFF  // a record byte of batch 7: its CRC no longer matches
        try fixture.setFileBytes(path, bytes)

        let recovered = try fixture.openLog(cleanShutdown: false)
        #expect(recovered.logEndOffset == 21)
        #expect(try readAll(recovered).map(\.base) == [0, 3, 6, 9, 12, 15, 18])
    }

    @Test(arguments: Backend.allCases)
    func garbageIndexTailIsDropped(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.indexIntervalBytes = 100
        let batch = makeBatch(records: 2, valueSize: 100)
        let log = try fixture.openLog(config: config)
        for _ in 0..<10 { _ = try log.append(batch, batchCount: 1, now: 0) }
        try log.close()
        let indexPath = fixture.segmentPath(0, ".index")
        let index = try fixture.fileBytes(indexPath)
        // An entry pointing past the log end, plus half an entry.
        try fixture.setFileBytes(indexPath, index + [0, 0, 0, 30, 0, 1, 0, 0] + [0, 0, 0])

        let recovered = try fixture.openLog(config: config, cleanShutdown: false)
        #expect(try fixture.fileBytes(indexPath) == index)
        #expect(try readAll(recovered).count == 10)
    }

    @Test(arguments: Backend.allCases)
    func indexEntryNotPointingAtItsBatchIsSteppedOver(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.indexIntervalBytes = 100
        let batch = makeBatch(records: 2, valueSize: 100)
        let log = try fixture.openLog(config: config)
        for _ in 0..<10 { _ = try log.append(batch, batchCount: 1, now: 0) }
        try log.close()
        let indexPath = fixture.segmentPath(0, ".index")
        var index = try fixture.fileBytes(indexPath)
        index[index.count - 1] &+= 3  // the last entry's position is off by 3 bytes
        try fixture.setFileBytes(indexPath, index)

        let recovered = try fixture.openLog(config: config, cleanShutdown: false)
        #expect(recovered.logEndOffset == 20)
        #expect(try fixture.fileBytes(indexPath).count == index.count)  // the entry was re-added, correctly
        #expect(try readAll(recovered).count == 10)
    }

    /// Recovery must not read the whole log: only the unindexed tail of the active segment.
    @Test(arguments: Backend.allCases)
    func recoveryReadsOnlyTheTail(backend: Backend) async throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentBytes = 64 << 20
        let log = try fixture.openLog(config: config)
        let batch = concatenate((0..<8).map { _ in makeBatch(records: 100, valueSize: 100) })
        for _ in 0..<200 { _ = try log.append(batch, batchCount: 8, now: 0) }
        try await log.flush(through: log.logEndOffset - 1)
        let total = log.sizeInBytes
        #expect(total > 16 << 20)
        // No close: the next open is an unclean one.
        fixture.counting.resetCounters()
        let recovered = try fixture.openLog(config: config, cleanShutdown: false)
        #expect(recovered.logEndOffset == log.logEndOffset)
        let read = fixture.counting.bytesRead
        #expect(read > 0)
        #expect(Int64(read) < total / 3, "recovery read \(read) of \(total) bytes")
    }

    @Test(arguments: Backend.allCases)
    func emptyActiveSegmentAfterRollChecksPreviousSegment(backend: Backend) throws {
        let fixture = Fixture(backend)
        let batch = makeBatch(records: 2, valueSize: 100)
        var config = LogConfig()
        config.segmentBytes = batch.readableBytes * 3
        let log = try fixture.openLog(config: config)
        for _ in 0..<3 { _ = try log.append(batch, batchCount: 1, now: 0) }
        try log.close()
        // Pretend a roll created segment 6 but the previous segment lost its last batch.
        let path = fixture.segmentPath(0, ".log")
        try fixture.setFileBytes(path, Array(try fixture.fileBytes(path).dropLast(10)))
        for suffix in [".log", ".index", ".timeindex"] { try fixture.setFileBytes(fixture.segmentPath(6, suffix), []) }

        let recovered = try fixture.openLog(config: config, cleanShutdown: false)
        #expect(recovered.segmentBaseOffsets == [0])
        #expect(recovered.logEndOffset == 4)
        #expect(!fixture.io.fileExists(atPath: fixture.segmentPath(6, ".log")))
        #expect(try recovered.append(batch, batchCount: 1, now: 0).firstOffset == 4)
    }
}
