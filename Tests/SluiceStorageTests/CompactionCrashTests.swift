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

    /// The passes that drop an aborted transaction's index entry (giving its marker and a COMMIT
    /// marker their horizon) and then remove both markers, each stopped after every file operation:
    /// the reopened log has no transaction left open, reads the same committed values, and cleans
    /// on to the same end.
    @Test(arguments: [1, 2])
    func crashAfterEveryStepOfAPassThatRemovesMarkers(pass crashing: Int) async throws {
        typealias Markers = CompactionMarkerTests
        let expected: [String: String?] = ["k2": "b", "k3": "c"]
        let passTimes = [Markers.now, Markers.now, Markers.horizon]
        var completed = false
        var step = 0
        while !completed {
            let fixture = Fixture(.memory)
            let memory = try #require(fixture.memory)
            let log = try fixture.openLog(config: Markers.config())
            try Markers.append(log, Markers.transactional(["k1"], value: "aborted", sequence: 0))  // 0
            try Markers.append(log, marker(.abort, producerId: 1))  // 1
            try Markers.append(log, Markers.transactional(["k2"], value: "a", sequence: 1))  // 2
            try Markers.append(log, marker(.commit, producerId: 1))  // 3
            try Markers.append(log, keyedBatch([("k2", "b")]))  // 4
            try Markers.append(log, Markers.transactional(["k3"], value: "c", sequence: 2))  // 5
            try Markers.append(log, marker(.commit, producerId: 1))  // 6
            try Markers.roll(log)
            try await log.flush(through: log.logEndOffset - 1)
            for now in passTimes[..<crashing] { try Markers.clean(log, at: now, expecting: expected) }

            memory.failOperations(after: step)
            do {
                _ = try log.clean(now: passTimes[crashing], force: true)
                completed = true
            } catch {
                // The pass stopped after `step` operations.
            }
            memory.crash()
            let reopened = try fixture.openLog(config: Markers.config(), cleanShutdown: false)
            #expect(reopened.logEndOffset == 7, "step \(step)")
            #expect(reopened.lastStableOffset == 7, "step \(step)")
            #expect(latestValues(try Markers.readCommitted(reopened)) == expected, "step \(step)")
            // Cleaning on reaches the end an uninterrupted run reaches: only the last marker left.
            for now in [Markers.now, Markers.now, Markers.horizon, Markers.horizon] {
                try Markers.clean(reopened, at: now, expecting: expected)
            }
            #expect(try Markers.headers(reopened).filter(\.isControl).map(\.baseOffset) == [6], "step \(step)")
            #expect(reopened.abortedTransactions(from: 0, to: .max) == [], "step \(step)")
            step += 1
            #expect(step < 500, "the pass never completed")
            if step >= 500 { break }
        }
        #expect(step > 5)
    }
}
