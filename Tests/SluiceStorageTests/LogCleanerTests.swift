import Foundation
import NIOCore
import Testing

@testable import SluiceStorage

@Suite("Log cleaner service")
struct LogCleanerTests {
    @Test func backgroundThreadCleansADueLogAndStops() async throws {
        let fixture = Fixture(.disk)
        let log = try fixture.openLog(config: CompactionTests.compactConfig())
        try CompactionTests.fillRounds(log)
        let before = try readRecords(log).records.count
        var options = LogCleaner.Options()
        options.backoffMs = 20
        let cleaner = LogCleaner(options: options, logger: quietLogger) { [log] in [log] }
        // Until a whole pass is done (records drop as soon as its first group is swapped in).
        let deadline = ContinuousClock.now + .seconds(20)
        while try log.cleanableRange(now: LogCleaner.nowMillis())?.shouldClean != false, ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        cleaner.shutdown()
        #expect(try readRecords(log).records.count < before)
        #expect(try log.cleanableRange(now: LogCleaner.nowMillis())?.shouldClean == false)
    }

    @Test func maxCompactionLagMakesALogDueWhateverTheRatio() throws {
        let fixture = Fixture(.memory)
        var config = CompactionTests.compactConfig()
        config.minCleanableDirtyRatio = 1
        let log = try fixture.openLog(config: config)
        try CompactionTests.fillRounds(log)  // timestamps about 1000
        _ = try log.clean(now: 2_000, force: true)
        try CompactionTests.fillRounds(log, rounds: 4)
        #expect(try log.cleanableRange(now: 2_000)?.shouldClean == false)
        config.maxCompactionLagMs = 5_000
        log.config = config
        #expect(try log.cleanableRange(now: 4_000)?.shouldClean == false)
        let late = try #require(try log.cleanableRange(now: 10_000))
        #expect(late.isOverdue && late.shouldClean)
    }

    @Test func throttleHoldsTheRate() throws {
        let limited = CleanerThrottle(maxBytesPerSecond: 1_000_000)
        let start = ContinuousClock.now
        for _ in 0..<4 { try limited.account(bytes: 250_000) }
        // 1 MB at 1 MB/s: the last call sleeps until about 1 s has passed.
        #expect(ContinuousClock.now - start >= .milliseconds(700))

        let unlimited = CleanerThrottle(maxBytesPerSecond: .greatestFiniteMagnitude)
        let quick = ContinuousClock.now
        for _ in 0..<4 { try unlimited.account(bytes: 250_000_000) }
        #expect(ContinuousClock.now - quick < .milliseconds(500))

        limited.cancel()
        #expect(throws: StorageError.closed) { try limited.account(bytes: 1) }
    }
}
