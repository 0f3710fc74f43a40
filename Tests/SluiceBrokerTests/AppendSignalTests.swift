import Testing

@testable import SluiceBroker

@Suite("Delayed fetches wake on appends")
struct AppendSignalTests {
    private let key = AppendSignal.PartitionKey(topic: "t", partition: 0)

    @Test func anAppendBetweenTheReadAndTheSleepStillWakesTheWait() async {
        let signal = AppendSignal()
        let started = ContinuousClock.now
        // The append lands while the caller reads (after its read found nothing): a wait that
        // registered only after the read would sleep the whole minute.
        let outcome = await signal.wait(for: [key], timeout: .seconds(60)) {
            signal.appended(topic: "t", partition: 0)
            return false
        }
        #expect(outcome == .woken)
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func aCheckThatFindsDataDoesNotWait() async {
        let signal = AppendSignal()
        let outcome = await signal.wait(for: [key], timeout: .seconds(60)) { true }
        #expect(outcome == .ready)
    }

    @Test func appendsToOtherPartitionsDoNotWakeIt() async {
        let signal = AppendSignal()
        let started = ContinuousClock.now
        let outcome = await signal.wait(for: [key], timeout: .milliseconds(300)) {
            signal.appended(topic: "t", partition: 1)
            signal.appended(topic: "other", partition: 0)
            return false
        }
        #expect(outcome == .woken)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
    }

    @Test func shutdownWakesAWaitAndRefusesLaterOnes() async {
        let signal = AppendSignal()
        let outcome = await signal.wait(for: [key], timeout: .seconds(60)) {
            signal.wakeAll()
            return false
        }
        #expect(outcome == .closed)
        #expect(await signal.wait(for: [key], timeout: .seconds(60)) { false } == .closed)
    }
}
