import ArgumentParser
import Foundation
import SluiceCLI
import SluiceClient

/// `sluice consume TOPIC`: prints records as they arrive, kcat-style.
struct Consume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a topic's records (all partitions, or some; with a group or not).",
        discussion: """
            Without --group the partitions are read directly from --from. With --group the consumer joins \
            the group, reads its assigned partitions from the committed offsets (--from beginning|end for \
            partitions without one) and commits what it printed. Output: -f template (default "%s\\n", the \
            value), or one JSON object per line with --output json.
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "Topic to read.")
    var topic: String

    @Option(name: [.short, .long], help: "Read only this partition. Repeatable (not with --group).")
    var partition: [Int32] = []

    @Option(name: [.short, .long], help: "Consumer group to join (commits what it prints).")
    var group: String?

    @Option(
        name: .long,
        help: "Start: beginning, end, an offset (not with --group), or a time (ms since the epoch or ISO 8601).")
    var from: String = "beginning"

    @Option(name: [.customShort("f"), .long], help: "Format template: %t %p %o %k %s %K %S %T %h, \\n \\t.")
    var format: String = "%s\\n"

    @Option(name: [.customShort("c"), .long], help: "Stop after this many records.")
    var count: Int?

    @Flag(name: [.customShort("e"), .long], help: "Stop at the end of the partitions (their end offsets at start).")
    var exit = false

    @Option(help: "Group protocol: classic, or consumer (KIP-848).")
    var groupProtocol: String = "classic"

    enum Start: Sendable, Equatable {
        case spec(OffsetSpec)
        case offset(Int64)
    }

    func start() throws -> Start {
        switch from.lowercased() {
        case "beginning", "earliest": return .spec(.earliest)
        case "end", "latest": return .spec(.latest)
        default:
            if let offset = Int64(from), offset >= 0, from.count < 12 { return .offset(offset) }
            if let millis = parseTimestampMillis(from) { return .spec(.timestamp(millis)) }
            throw ValidationError("--from must be beginning, end, an offset, or a time, not '\(from)'")
        }
    }

    func validate() throws {
        let start = try start()
        do {
            _ = try FormatTemplate(format)
        } catch let failure as CLIFailure {
            throw ValidationError(
                "--format: \(failure.message.replacingOccurrences(of: "error: bad input: ", with: ""))")
        }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if group != nil {
            if !partition.isEmpty { throw ValidationError("--partition cannot be combined with --group") }
            if case .offset = start { throw ValidationError("with --group, --from is beginning or end") }
            if case .spec(.timestamp) = start { throw ValidationError("with --group, --from is beginning or end") }
        }
        guard ["classic", "consumer"].contains(groupProtocol) else {
            throw ValidationError("--group-protocol must be classic or consumer")
        }
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let template = try FormatTemplate(format)
            let start = try start()
            let topic = topic
            // Which partitions exist and where they end now (for --exit); bounded by --timeout.
            let (partitions, ends) = try await withAdmin(client, what: "describe \(topic)") { admin in
                let described = try await admin.describeTopics([topic])[0]
                return (described.partitions.map(\.partition), try await admin.listOffsets(topic: topic, spec: .latest))
            }
            for p in partition where !partitions.contains(p) {
                throw CLIFailure.kafka(.unknownTopicOrPartition, context: "partition \(p) of \(topic)")
            }
            var config = ConsumerConfig(client: ClientSupport.clientConfig(client), groupId: group)
            config.autoOffsetReset = start == .spec(.latest) ? .latest : .earliest
            config.enableAutoCommit = false  // commits are explicit: exactly what was printed
            config.groupProtocol = groupProtocol == "consumer" ? .consumer : .classic
            config.fetchMaxWait = .milliseconds(100)
            let consumer = Consumer(config: config, logger: ClientSupport.makeLogger())
            if group != nil {
                try consumer.subscribe(topics: [topic])
            } else {
                let assigned = (partition.isEmpty ? partitions : partition).map { TopicPartition(topic, $0) }
                try consumer.assign(assigned)
                switch start {
                case .spec(let spec): try await consumer.seek(assigned, to: spec)
                case .offset(let offset): for tp in assigned { try consumer.seek(tp, to: offset) }
                }
            }
            // Ctrl-C ends the loop, so a group member still commits what it printed and leaves.
            let stop = StopSignal.watch()
            var printed = 0
            // A poll may return more than --count lets us print: commit only what was printed.
            var nextOffsets: [TopicPartition: Int64] = [:]
            var lastCommit = monotonicNanos()
            reading: while !stop.requested {
                if exit, Self.reachedEnd(consumer, ends: ends, topic: topic) { break }
                var out = ""
                defer { if !out.isEmpty { emit(out) } }
                for record in try await consumer.poll(timeout: .milliseconds(200)) {
                    let view = ConsumedRecordView(
                        topic: record.topic, partition: record.partition, offset: record.offset,
                        timestamp: record.timestamp, key: record.key, value: record.value,
                        headers: record.headers.map { (key: $0.key, value: $0.value) })
                    switch client.output {
                    case .json: out += try JSONOutput.line(ConsumedRecordJSON(view)) + "\n"
                    case .table: out += template.render(view)
                    }
                    nextOffsets[record.topicPartition] = record.offset + 1
                    printed += 1
                    if let count, printed >= count { break reading }
                }
                if group != nil, !nextOffsets.isEmpty, monotonicNanos() - lastCommit > 5_000_000_000 {
                    try await consumer.commit(nextOffsets)
                    lastCommit = monotonicNanos()
                }
            }
            if group != nil, !nextOffsets.isEmpty { try await consumer.commit(nextOffsets) }
            await consumer.close()
        }
    }

    /// Whether every assigned partition's position has reached the end offset it had at start.
    /// A group member with no assignment yet has not reached anything.
    static func reachedEnd(_ consumer: Consumer, ends: [Int32: Int64], topic: String) -> Bool {
        let assigned = consumer.assignment
        guard !assigned.isEmpty else { return false }
        return assigned.allSatisfy { tp in
            let end = ends[tp.partition] ?? 0
            return end == 0 || (consumer.position(tp).map { $0 >= end } ?? false)
        }
    }
}
