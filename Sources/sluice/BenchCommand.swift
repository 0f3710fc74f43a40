import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import SluiceCLI
import SluiceClient

/// `sluice bench`: the native load generator (see README "Benchmarks").
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure produce, consume and end-to-end throughput and latency with the Swift client.",
        subcommands: [BenchProduce.self, BenchConsume.self, BenchEndToEnd.self])
}

/// What every bench mode takes: how much, how big, where.
struct BenchOptions: ParsableArguments {
    @Option(help: "Topic to use (created on first use if the broker auto-creates topics).")
    var topic: String = "sluice-bench"

    @Option(name: [.customShort("n"), .long], help: "Records in total.")
    var records: Int = 1_000_000

    @Option(name: [.customShort("s"), .customLong("record-size")], help: "Value size in bytes.")
    var recordSize: Int = 100

    @Option(help: "Most records per second in total (0: as fast as possible).")
    var rate: Double = 0

    @Option(help: "Create --topic with this many partitions if it does not exist (default: auto-create).")
    var partitions: Int32?

    func validate() throws {
        guard records > 0 else { throw ValidationError("--records must be positive") }
        guard recordSize >= 0 else { throw ValidationError("--record-size must be 0 or more") }
        guard rate >= 0 else { throw ValidationError("--rate must be 0 or more") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
    }

    /// Creates the topic with `--partitions` when asked to and it does not exist yet.
    func ensureTopic(_ client: ClientOptions) async throws {
        guard let partitions else { return }
        let topic = topic
        try await withAdmin(client, what: "create topic \(topic)") { admin in
            do {
                try await admin.createTopic(topic, partitions: partitions)
            } catch KafkaClientError.broker(.topicAlreadyExists, _) {}
        }
    }
}

/// Counts and latencies shared by a run's tasks; the per-second ticker reads and resets the interval part.
final class BenchStats: Sendable {
    private struct State {
        var done = 0
        var errors = 0
        var total = LatencyRecorder()
        var interval = LatencyRecorder()
        var intervalDone = 0
    }
    private let state = NIOLockedValueBox(State())

    func record(latencyNanos: UInt64) {
        state.withLockedValue {
            $0.done += 1
            $0.intervalDone += 1
            $0.total.record(microseconds: latencyNanos / 1000)
            $0.interval.record(microseconds: latencyNanos / 1000)
        }
    }

    func recordDone(_ count: Int) {
        state.withLockedValue {
            $0.done += count
            $0.intervalDone += count
        }
    }

    func recordError() { state.withLockedValue { $0.errors += 1 } }

    var done: Int { state.withLockedValue { $0.done } }
    var errors: Int { state.withLockedValue { $0.errors } }
    var latency: LatencyRecorder { state.withLockedValue { $0.total } }

    /// Records since the last call and their p99 (nil when no latencies were recorded).
    func takeInterval() -> (records: Int, p99: UInt64?) {
        state.withLockedValue {
            let result = ($0.intervalDone, $0.interval.count > 0 ? $0.interval.percentiles.p99 : nil)
            $0.intervalDone = 0
            $0.interval = LatencyRecorder()
            return result
        }
    }
}

enum BenchOutput {
    /// Prints a throughput line every second until cancelled: stdout for tables, stderr with --output json
    /// (so stdout holds only the final JSON document).
    static func ticker(stats: BenchStats, recordSize: Int, output: OutputFormat) -> Task<Void, Never> {
        Task {
            var second = 0
            var last = monotonicNanos()
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if Task.isCancelled { break }
                second += 1
                let now = monotonicNanos()
                let (records, p99) = stats.takeInterval()
                let seconds = Double(now - last) / 1e9
                last = now
                let rate = Double(records) / seconds
                let tick = BenchTick(
                    second: second, records: records, recordsPerSecond: rate,
                    megabytesPerSecond: rate * Double(recordSize) / 1e6, p99Micros: p99)
                if output == .json { StandardError.write(tick.rendered() + "\n") } else { emit(tick.rendered() + "\n") }
            }
        }
    }

    static func finish(_ summary: BenchSummary, output: OutputFormat) throws {
        switch output {
        case .table: emit(summary.rendered() + "\n")
        case .json: emit(try JSONOutput.document(summary) + "\n")
        }
    }
}
