import ArgumentParser
import Foundation
import SluiceCLI
import SluiceClient

/// `sluice bench produce`: producers send fixed-size records as fast as allowed; latency is from
/// `produce` to the delivery acknowledgement.
struct BenchProduce: AsyncParsableCommand {
    /// Latency is timed for one record in this many (every record is counted): two clock reads
    /// and a capturing closure per record cost the client several percent of its rate. Kafka's
    /// own producer-performance tool samples its latencies too.
    static let latencySampleEvery = 8

    static let configuration = CommandConfiguration(
        commandName: "produce", abstract: "Produce records as fast as possible (or at --rate) and report.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var bench: BenchOptions
    @OptionGroup var producer: ProducerOptions

    @Option(help: "Producers (each its own client and connections), sharing --records.")
    var producers: Int = 1

    func validate() throws {
        guard producers > 0 else { throw ValidationError("--producers must be positive") }
    }

    func run() async throws {
        await ClientSupport.run(client) {
            try await bench.ensureTopic(client)
            let config = try producer.producerConfig(client)
            let logger = ClientSupport.makeLogger()
            let instances = (0..<producers).map { _ in Producer(config: config, logger: logger) }
            let payload = [UInt8](repeating: UInt8(ascii: "x"), count: bench.recordSize)
            let topic = bench.topic
            // Connect, fetch metadata (auto-creating the topic) and the producer id before the clock starts.
            for instance in instances {
                _ = try await ClientSupport.withDeadline(client, what: "produce to \(topic)") {
                    try await instance.send(ProducerRecord(topic: topic, value: payload))
                }
            }
            let stats = BenchStats()
            let ticker = BenchOutput.ticker(stats: stats, recordSize: bench.recordSize, output: client.output)
            let progress = ProgressBar(total: bench.records, label: "bench")
            let start = monotonicNanos()
            let share = bench.records / producers
            let perProducerRate = bench.rate / Double(producers)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, instance) in instances.enumerated() {
                    let count = index == 0 ? share + bench.records % producers : share
                    group.addTask {
                        let pacer = RatePacer(perSecond: perProducerRate, start: start)
                        let countOnly: DeliveryCallback = { result in
                            switch result {
                            case .success: stats.recordDone(1)
                            case .failure: stats.recordError()
                            }
                        }
                        for i in 0..<count {
                            if perProducerRate > 0, i % 64 == 0 {
                                let wait = pacer.delay(sent: i, now: monotonicNanos())
                                if wait > 0 { try await Task.sleep(for: .nanoseconds(Int64(wait))) }
                            }
                            let record = ProducerRecord(topic: topic, value: payload)
                            let report: DeliveryCallback
                            if i % Self.latencySampleEvery == 0 {
                                let sentAt = monotonicNanos()
                                report = { result in
                                    switch result {
                                    case .success: stats.record(latencyNanos: monotonicNanos() &- sentAt)
                                    case .failure: stats.recordError()
                                    }
                                }
                            } else {
                                report = countOnly
                            }
                            // The synchronous path skips an async hop per record; it declines only
                            // when the buffer is full, and then `produce` waits for room.
                            if try !instance.tryProduce(record, onDelivery: report) {
                                try await instance.produce(record, onDelivery: report)
                            }
                        }
                        try await instance.flush()
                    }
                }
                if progress.enabled {
                    group.addTask {
                        var bar = progress
                        while stats.done + stats.errors < bench.records {
                            bar.update(stats.done)
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = Double(monotonicNanos() - start) / 1e9
            ticker.cancel()
            progress.finish()
            for instance in instances { try await instance.close() }
            var settings = producer.summary
            settings["producers"] = String(producers)
            settings["topic"] = topic
            if bench.rate > 0 { settings["rate"] = String(bench.rate) }
            try BenchOutput.finish(
                BenchSummary(
                    mode: "produce", records: stats.done, recordSize: bench.recordSize, elapsedSeconds: elapsed,
                    errors: stats.errors, latencyMicros: stats.latency.percentiles, settings: settings),
                output: client.output)
            if stats.errors > 0 { throw CLIFailure.other("\(stats.errors) record(s) failed") }
        }
    }
}
