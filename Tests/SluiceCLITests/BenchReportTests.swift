import Foundation
import Testing

@testable import SluiceCLI

@Suite struct BenchReportTests {
    @Test func percentilesComeFromTheHistogram() {
        var recorder = LatencyRecorder()
        for us in 1...1000 { recorder.record(microseconds: UInt64(us)) }
        let p = recorder.percentiles
        #expect(p.p50 == 500)
        #expect(p.p99 == 990)
        #expect(p.p999 == 999)
        #expect(p.max == 1000)
        var other = LatencyRecorder()
        other.record(microseconds: 5_000_000)
        recorder.merge(other)
        #expect(recorder.count == 1001)
        #expect(recorder.percentiles.max >= 4_995_000)
    }

    @Test func emptyRecorderGivesZeros() {
        #expect(LatencyRecorder().percentiles == .init(p50: 0, p99: 0, p999: 0, max: 0))
    }

    @Test func summaryRatesAndJson() throws {
        let summary = BenchSummary(
            mode: "produce", records: 2_000_000, recordSize: 100, elapsedSeconds: 2, errors: 0,
            latencyMicros: .init(p50: 10, p99: 20, p999: 30, max: 40), settings: ["acks": "1"])
        #expect(summary.recordsPerSecond == 1_000_000)
        #expect(summary.megabytesPerSecond == 100)
        #expect(summary.rendered().contains("throughput: 1,000,000 records/s, 100.0 MB/s"))
        #expect(summary.rendered().contains("p50 10  p99 20  p99.9 30  max 40"))
        let json = try JSONOutput.line(summary)
        #expect(json.contains("\"records_per_s\":1000000"))
        #expect(json.contains("\"latency_us\":{\"max\":40,\"p50\":10,\"p99\":20,\"p999\":30}"))
    }

    @Test func groupedDigitsAndTicks() {
        #expect(BenchSummary.grouped(0) == "0")
        #expect(BenchSummary.grouped(1234567) == "1,234,567")
        #expect(BenchSummary.grouped(-1000) == "-1,000")
        let tick = BenchTick(second: 3, records: 10, recordsPerSecond: 1500, megabytesPerSecond: 0.15, p99Micros: 7)
        #expect(tick.rendered() == "   3s        1,500 records/s      0.1 MB/s  p99 7 µs")
    }

    @Test func progressBarText() {
        #expect(ProgressBar.text(label: "produce", done: 5, total: 10, width: 4) == "produce [##..] 50% 5/10")
        #expect(ProgressBar.text(label: "x", done: 20, total: 10, width: 2) == "x [##] 100% 20/10")
    }
}

@Suite struct RatePacerTests {
    @Test func pacesToTheRate() {
        let pacer = RatePacer(perSecond: 1000, start: 0)
        #expect(pacer.delay(sent: 0, now: 0) == 0)
        #expect(pacer.delay(sent: 500, now: 0) == 500_000_000)
        #expect(pacer.delay(sent: 500, now: 600_000_000) == 0)
        #expect(RatePacer(perSecond: 0, start: 0).delay(sent: 1_000_000, now: 0) == 0)
    }
}
