import Testing

@testable import SluiceStorage

@Suite("Group commit")
struct GroupCommitTests {
    @Test(arguments: Backend.allCases)
    func concurrentFlushesShareFsyncs(backend: Backend) async throws {
        let fixture = Fixture(backend)
        fixture.counting.fsyncDelayMicroseconds.withLockedValue { $0 = 3_000 }
        let log = try fixture.openLog()
        fixture.counting.resetCounters()
        let batch = makeBatch(records: 2, valueSize: 50)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    let result = try log.append(batch, batchCount: 1, now: 0)
                    try await log.flush(through: result.lastOffset)
                }
            }
            try await group.waitForAll()
        }
        let fsyncs = fixture.counting.fsyncs
        #expect(fsyncs >= 1)
        #expect(fsyncs <= 30, "100 flushes took \(fsyncs) fsyncs")
        #expect(log.logEndOffset == 200)

        // Already durable offsets return without another fsync.
        fixture.counting.resetCounters()
        try await log.flush(through: 150)
        #expect(fixture.counting.fsyncs == 0)
    }

    @Test
    func flushedDataSurvivesPowerLoss() async throws {
        let fixture = Fixture(.memory)
        let log = try fixture.openLog()
        let batch = makeBatch(records: 2)
        for _ in 0..<10 { _ = try log.append(batch, batchCount: 1, now: 0) }
        try await log.flush(through: 19)
        _ = try log.append(batch, batchCount: 1, now: 0)  // never flushed
        fixture.memory!.crash()
        let recovered = try fixture.openLog(cleanShutdown: false)
        #expect(recovered.logEndOffset == 20)
    }

    @Test
    func fsyncFailureReachesTheWaiters() async throws {
        let fixture = Fixture(.memory)
        let log = try fixture.openLog()
        _ = try log.append(makeBatch(records: 1), batchCount: 1, now: 0)
        fixture.memory!.failNextFsync()
        await #expect(throws: StorageError.io(5)) { try await log.flush(through: 0) }
        try await log.flush(through: 0)
    }

    @Test
    func flushAfterShutdownFails() async throws {
        let fixture = Fixture(.memory)
        let log = try fixture.openLog()
        _ = try log.append(makeBatch(records: 1), batchCount: 1, now: 0)
        fixture.flusher.shutdown()
        await #expect(throws: StorageError.closed) { try await log.flush(through: 0) }
    }
}
