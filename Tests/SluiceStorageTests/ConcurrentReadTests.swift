import Testing

@testable import SluiceStorage

@Suite("Reads during appends")
struct ConcurrentReadTests {
    @Test(arguments: Backend.allCases)
    func readersOnlySeeWholeBatches(backend: Backend) async throws {
        let fixture = Fixture(backend)
        var config = LogConfig()
        config.segmentBytes = 40_000
        config.indexIntervalBytes = 1_000
        let log = try fixture.openLog(config: config)
        let batches = (0..<4).map { makeBatch(records: 3 + $0, valueSize: 200, seed: UInt8($0)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<400 { _ = try log.append(batches[index % 4], batchCount: 1, now: 0) }
            }
            for reader in 0..<3 {
                group.addTask {
                    var next: Int64 = 0
                    // 400 batches of 3, 4, 5 and 6 records: offsets 0..<1800.
                    while next < 1_800 {
                        if next >= log.logEndOffset {
                            await Task.yield()
                            continue
                        }
                        let result = try log.read(from: next, maxBytes: 3_000 + reader * 997, minOneBatch: true)
                        // Every returned batch is whole (its CRC checks) and below the high watermark.
                        let offsets = try batchOffsets(result.records!.allBytes)
                        #expect(offsets.first!.base <= next && next <= offsets.first!.last)
                        #expect(offsets.last!.last < result.highWatermark)
                        next = offsets.last!.last + 1
                    }
                    #expect(next == 1_800)
                }
            }
            try await group.waitForAll()
        }
        #expect(log.logEndOffset == 1_800)
        #expect(log.segmentCount > 2)
    }
}
