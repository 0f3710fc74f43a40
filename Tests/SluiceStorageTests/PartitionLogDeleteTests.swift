import Testing

@testable import SluiceStorage

@Suite("PartitionLog deletion")
struct PartitionLogDeleteTests {
    @Test(arguments: Backend.allCases)
    func deleteFromDiskRemovesTheDirectory(backend: Backend) throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentBytes = 500
        let log = try fixture.openLog(config: config)
        for _ in 0..<5 { _ = try log.append(makeBatch(records: 2), batchCount: 1, now: 0) }
        #expect(log.segmentCount > 1)
        // A slice handed out before the delete stays readable (the descriptor is duplicated).
        let slice = try log.read(from: 0, maxBytes: 100_000, minOneBatch: true).records!
        try log.deleteFromDisk()
        #expect(!fixture.io.fileExists(atPath: fixture.logDirectory))
        #expect(throws: StorageError.logDeleted) { try log.append(makeBatch(records: 1), batchCount: 1, now: 0) }
        #expect(throws: StorageError.logDeleted) { try log.read(from: 0, maxBytes: 10, minOneBatch: true) }
        #expect(try batchOffsets(slice.allBytes).count >= 1)
    }
}
