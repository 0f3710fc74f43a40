import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import SluiceCLI
import SluiceClient

/// `sluice produce TOPIC`: one record per input line (stdin or `--file`), plain or JSON.
struct Produce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Produce records from stdin or a file, one per line.",
        discussion: """
            Plain lines are values; with --key-separator the text before its first occurrence is the key.
            With --json each line is {"key": …, "value": …, "headers": {…}, "partition": n, "timestamp": ms}.
            Empty lines are skipped. Prints how many records landed where (table or --output json).
            """)

    @OptionGroup var client: ClientOptions
    @OptionGroup var producer: ProducerOptions

    @Argument(help: "Topic to produce to (created if the broker auto-creates topics).")
    var topic: String

    @Option(name: [.customShort("F"), .long], help: "Read records from this file instead of stdin.")
    var file: String?

    @Option(name: [.customShort("K"), .long], help: "Split each line into KEY<sep>VALUE at the first SEP.")
    var keySeparator: String?

    @Option(
        name: [.customShort("H"), .customLong("header")], help: "Header KEY=VALUE added to every record. Repeatable.")
    var headers: [String] = []

    @Flag(help: "Each line is a JSON object with key, value, headers, partition, timestamp.")
    var json = false

    @Option(
        name: [.short, .long], help: "Send every record to this partition (default: by key, sticky for null keys).")
    var partition: Int32?

    func validate() throws {
        if json, keySeparator != nil { throw ValidationError("--json and --key-separator cannot be combined") }
        if let partition, partition < 0 { throw ValidationError("--partition must be 0 or more") }
        if keySeparator == "" { throw ValidationError("--key-separator must not be empty") }
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let parser = ProduceInputParser(
                mode: json ? .json : .lines(keySeparator: keySeparator),
                headers: try ProduceInputParser.parseHeaders(headers))
            let (fd, size) = try openInput()
            defer { if file != nil { close(fd) } }
            let config = try producer.producerConfig(client)
            let producer = Producer(config: config, logger: ClientSupport.makeLogger())
            let tally = NIOLockedValueBox(ProduceTally())
            var reader = LineReader(fileDescriptor: fd)
            var progress = ProgressBar(total: size, label: "produce")
            var lineNumber = 0
            // The first record also proves the broker is there: bounded by --timeout.
            var first = true
            while let line = try reader.next() {
                lineNumber += 1
                if line.isEmpty { continue }
                let input = try parser.parse(line: line, lineNumber: lineNumber)
                let record = ProducerRecord(
                    topic: topic, partition: input.partition ?? partition, key: input.key, value: input.value,
                    headers: input.headers.map { (key: $0.key, value: $0.value) }, timestamp: input.timestamp)
                if first {
                    let metadata = try await ClientSupport.withDeadline(client, what: "produce to \(topic)") {
                        try await producer.send(record)
                    }
                    tally.withLockedValue { $0.add(.success(metadata)) }
                    first = false
                } else {
                    try await producer.produce(record) { result in tally.withLockedValue { $0.add(result) } }
                }
                progress.update(reader.bytesRead)
            }
            try await producer.close()
            progress.finish()
            let result = tally.withLockedValue { $0 }
            try print(result)
            if let failure = result.firstFailure {
                throw failure
            }
        }
    }

    /// stdin, or the file (exit 66 when it cannot be opened), and its size for the progress bar (0: unknown).
    private func openInput() throws -> (Int32, Int) {
        guard let file else { return (STDIN_FILENO, 0) }
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else { throw CLIFailure.noInput(path: file) }
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        return (fd, size)
    }

    private func print(_ tally: ProduceTally) throws {
        switch client.output {
        case .json:
            emit(try JSONOutput.document(tally.report(topic: topic)) + "\n")
        case .table:
            var table = TextTable(headers: ["PARTITION", "RECORDS", "FIRST OFFSET", "LAST OFFSET"])
            for (partition, range) in tally.partitions.sorted(by: { $0.key < $1.key }) {
                table.append([String(partition), String(range.count), String(range.first), String(range.last)])
            }
            emit(
                "produced \(tally.delivered) record(s) to \(topic)"
                    + (tally.failed > 0 ? ", \(tally.failed) failed" : "") + "\n")
            emit(table.render())
        }
    }
}

/// Where produced records landed, per partition, and what failed.
struct ProduceTally: Sendable {
    struct Range: Sendable {
        var first: Int64
        var last: Int64
        var count: Int
    }
    var partitions: [Int32: Range] = [:]
    var delivered = 0
    var failed = 0
    var firstFailure: KafkaClientError?

    mutating func add(_ result: Result<RecordMetadata, KafkaClientError>) {
        switch result {
        case .success(let metadata):
            delivered += 1
            var range = partitions[metadata.partition] ?? Range(first: metadata.offset, last: metadata.offset, count: 0)
            range.first = min(range.first, metadata.offset)
            range.last = max(range.last, metadata.offset)
            range.count += 1
            partitions[metadata.partition] = range
        case .failure(let error):
            failed += 1
            if firstFailure == nil { firstFailure = error }
        }
    }

    struct Report: Encodable {
        struct Partition: Encodable {
            var partition: Int32
            var records: Int
            var first_offset: Int64
            var last_offset: Int64
        }
        var topic: String
        var delivered: Int
        var failed: Int
        var partitions: [Partition]
    }

    func report(topic: String) -> Report {
        Report(
            topic: topic, delivered: delivered, failed: failed,
            partitions: partitions.sorted(by: { $0.key < $1.key }).map {
                .init(
                    partition: $0.key, records: $0.value.count, first_offset: $0.value.first, last_offset: $0.value.last
                )
            })
    }
}
