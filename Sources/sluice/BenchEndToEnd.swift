import ArgumentParser
import Foundation
import SluiceCLI
import SluiceClient

/// `sluice bench e2e`: one producer and one consumer at once; latency is from `produce` to the
/// consumer's `poll` returning the record (the send time travels in the record's first 8 bytes).
struct BenchEndToEnd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e", abstract: "Produce and consume at once; report produce-to-consume latency.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var bench: BenchOptions
    @OptionGroup var producer: ProducerOptions

    func validate() throws {
        guard bench.recordSize >= 8 else { throw ValidationError("--record-size must be at least 8 for e2e") }
    }

    func run() async throws {
        await ClientSupport.run(client) {
            try await bench.ensureTopic(client)
            let topic = bench.topic
            let logger = ClientSupport.makeLogger()
            let sender = Producer(config: try producer.producerConfig(client), logger: logger)
            var payload = [UInt8](repeating: UInt8(ascii: "x"), count: bench.recordSize)
            // Creates the topic if needed and connects before the clock starts.
            _ = try await ClientSupport.withDeadline(client, what: "produce to \(topic)") {
                try await sender.send(ProducerRecord(topic: topic, value: [UInt8](repeating: 0, count: 8)))
            }
            let (partitions, ends) = try await withAdmin(client, what: "describe \(topic)") { admin in
                (
                    try await admin.describeTopics([topic])[0].partitions.map(\.partition),
                    try await admin.listOffsets(topic: topic, spec: .latest)
                )
            }
            var config = ConsumerConfig(client: ClientSupport.clientConfig(client))
            config.enableAutoCommit = false
            config.fetchMaxWait = .milliseconds(10)
            config.maxPollRecords = 10_000
            let consumer = Consumer(config: config, logger: logger)
            try consumer.assign(partitions.map { TopicPartition(topic, $0) })
            for p in partitions { try consumer.seek(TopicPartition(topic, p), to: ends[p] ?? 0) }
            let stats = BenchStats()
            let target = bench.records
            let reader = Task {
                while stats.done < target {
                    let records = try await consumer.poll(timeout: .milliseconds(200))
                    let now = monotonicNanos()
                    for record in records {
                        guard let value = record.value, value.count >= 8 else { continue }
                        let sentAt = value.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                        if sentAt == 0 { continue }
                        stats.record(latencyNanos: now &- sentAt)
                    }
                }
            }
            let ticker = BenchOutput.ticker(stats: stats, recordSize: bench.recordSize, output: client.output)
            let start = monotonicNanos()
            let pacer = RatePacer(perSecond: bench.rate, start: start)
            for i in 0..<target {
                if bench.rate > 0, i % 64 == 0 {
                    let wait = pacer.delay(sent: i, now: monotonicNanos())
                    if wait > 0 { try await Task.sleep(for: .nanoseconds(Int64(wait))) }
                }
                let now = monotonicNanos()
                withUnsafeBytes(of: now) { payload.replaceSubrange(0..<8, with: $0) }
                try await sender.produce(ProducerRecord(topic: topic, value: payload)) { result in
                    if case .failure = result { stats.recordError() }
                }
            }
            try await sender.flush()
            let deadline = monotonicNanos() + 60_000_000_000
            while stats.done < target, stats.errors == 0, monotonicNanos() < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let elapsed = Double(monotonicNanos() - start) / 1e9
            reader.cancel()
            ticker.cancel()
            try await sender.close()
            await consumer.close()
            var settings = producer.summary
            settings["topic"] = topic
            if bench.rate > 0 { settings["rate"] = String(bench.rate) }
            try BenchOutput.finish(
                BenchSummary(
                    mode: "e2e", records: stats.done, recordSize: bench.recordSize, elapsedSeconds: elapsed,
                    errors: stats.errors + (target - stats.done), latencyMicros: stats.latency.percentiles,
                    settings: settings),
                output: client.output)
            if stats.done < target { throw CLIFailure.timedOut("consumed \(stats.done) of \(target) records") }
        }
    }
}
