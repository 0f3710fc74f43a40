import ArgumentParser
import Foundation
import SluiceCLI
import SluiceClient

/// `sluice bench consume`: reads --records records of the topic from the beginning (every
/// partition, no group), timed from the first record to the last.
struct BenchConsume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Read records from the beginning of a topic as fast as possible and report.",
        discussion: "Fill the topic first, e.g. with `sluice bench produce` using the same --topic and --records.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var bench: BenchOptions

    @Option(help: "Consumers sharing the topic's partitions (each its own client).")
    var consumers: Int = 1

    func validate() throws {
        guard consumers > 0 else { throw ValidationError("--consumers must be positive") }
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let topic = bench.topic
            let (partitions, ends) = try await withAdmin(client, what: "describe \(topic)") { admin in
                (
                    try await admin.describeTopics([topic])[0].partitions.map(\.partition),
                    try await admin.listOffsets(topic: topic, spec: .latest)
                )
            }
            let available = ends.values.reduce(0, +)
            guard available >= Int64(bench.records) else {
                throw CLIFailure.badInput(
                    "\(topic) holds \(available) records, fewer than --records \(bench.records): fill it with `sluice bench produce --topic \(topic) --records \(bench.records)`"
                )
            }
            let groups = (0..<min(consumers, partitions.count)).map { i in
                partitions.enumerated().filter { $0.offset % min(consumers, partitions.count) == i }.map {
                    TopicPartition(topic, $0.element)
                }
            }
            var config = ConsumerConfig(client: ClientSupport.clientConfig(client))
            config.enableAutoCommit = false
            config.autoOffsetReset = .earliest
            config.maxPollRecords = 10_000
            config.prefetchRecords = 50_000
            config.maxPartitionFetchBytes = 8 << 20
            let logger = ClientSupport.makeLogger()
            let instances = try groups.map { assigned in
                let consumer = Consumer(config: config, logger: logger)
                try consumer.assign(assigned)
                return consumer
            }
            for (consumer, assigned) in zip(instances, groups) { try await consumer.seek(assigned, to: .earliest) }
            let stats = BenchStats()
            let target = bench.records
            let deadline = client.timeout
            // The clock starts once the partitions are assigned and positioned: it includes the
            // first fetch round trip (prefetched records would otherwise make the start look instant).
            let start = monotonicNanos()
            let ticker = BenchOutput.ticker(stats: stats, recordSize: bench.recordSize, output: client.output)
            let progress = ProgressBar(total: target, label: "bench")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for consumer in instances {
                    group.addTask {
                        var idleSince = monotonicNanos()
                        while stats.done < target {
                            let records = try await consumer.poll(timeout: .milliseconds(200))
                            if records.isEmpty {
                                if monotonicNanos() - idleSince > UInt64(deadline * 1e9) {
                                    throw CLIFailure.timedOut(
                                        "no records for \(ClientSupport.formatSeconds(deadline)) s after \(stats.done) of \(target)"
                                    )
                                }
                            } else {
                                idleSince = monotonicNanos()
                                stats.recordDone(records.count)
                            }
                        }
                    }
                }
                if progress.enabled {
                    group.addTask {
                        var bar = progress
                        while stats.done < target {
                            bar.update(stats.done)
                            try await Task.sleep(for: .milliseconds(100))
                        }
                        bar.finish()
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = Double(monotonicNanos() - start) / 1e9
            ticker.cancel()
            for consumer in instances { await consumer.close() }
            try BenchOutput.finish(
                BenchSummary(
                    mode: "consume", records: stats.done, recordSize: bench.recordSize, elapsedSeconds: elapsed,
                    errors: 0, latencyMicros: nil,
                    settings: [
                        "topic": topic, "consumers": String(instances.count), "partitions": String(partitions.count),
                    ]),
                output: client.output)
        }
    }
}
