import KafkaRecords
import NIOCore
import Testing

@testable import SluiceStorage

/// A cleaning pass stopped after each of its file operations in turn (a power loss right there)
/// must leave a log that opens and reads back consistently: increasing offsets, the same latest
/// value for every key, nothing from before the pass lost.
@Suite("Compaction crash safety")
struct CompactionCrashTests {
    @Test func crashAfterEveryStepOfAPass() async throws {
        var completed = false
        var step = 0
        while !completed {
            let fixture = Fixture(.memory)
            let memory = try #require(fixture.memory)
            let config = CompactionTests.compactConfig()
            let log = try fixture.openLog(config: config)
            try CompactionTests.fillRounds(log)
            try await log.flush(through: log.logEndOffset - 1)
            let before = try readRecords(log).records

            memory.failOperations(after: step)
            do {
                _ = try log.clean(now: 10_000, force: true)
                completed = true
            } catch {
                // The pass stopped after `step` operations.
            }
            memory.crash()
            let reopened = try fixture.openLog(config: config, cleanShutdown: false)
            let after = try readRecords(reopened).records
            #expect(latestValues(after) == latestValues(before), "step \(step)")
            #expect(after.map(\.offset) == after.map(\.offset).sorted(), "step \(step)")
            #expect(Set(after.map(\.offset)).isSubset(of: Set(before.map(\.offset))), "step \(step)")
            #expect(reopened.logEndOffset == 100, "step \(step)")
            let leftovers = try memory.listDirectory(atPath: fixture.logDirectory).filter {
                $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") || $0.hasSuffix(".deleted")
            }
            #expect(leftovers.isEmpty, "step \(step): \(leftovers)")
            // The reopened log cleans to the same result as an uninterrupted pass.
            _ = try reopened.clean(now: 10_000, force: true)
            #expect(latestValues(try readRecords(reopened).records) == latestValues(before), "step \(step)")
            step += 1
            #expect(step < 500, "the pass never completed")
            if step >= 500 { break }
        }
        #expect(step > 10)
    }
}
