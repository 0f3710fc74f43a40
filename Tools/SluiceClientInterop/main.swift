import Foundation
import Logging
import SluiceClient

// Drives the Swift client for Interop/test_swift_client.py. Records travel as JSON lines with
// hex-encoded bytes so keys, values and headers compare byte for byte with other clients.
//
//   partition COUNT HEXKEY...                  keyed partition of each key, one per line
//   produce BOOTSTRAP [acks] [compression]     JSON records on stdin -> {"partition","offset"} per record
//   consume BOOTSTRAP TOPIC COUNT [isolation]  manual assignment of every partition from the start;
//                                              isolation "read_committed" or "read_uncommitted" (default);
//                                              stops after COUNT records or 5 s without any
//   group BOOTSTRAP TOPIC GROUP PROTOCOL SECONDS
//                                              subscribe; prints {"assigned": [...]} on changes and each
//                                              record, for SECONDS, then commits and leaves
//
//   bench-consume BOOTSTRAP TOPIC N            reads N records of partition 0 from the start;
//                                              prints "RESULT swift_consume msgs/s=… MB/s=…"
//   bench BOOTSTRAP TOPIC N SIZE [acks] [lingerMs] [batchBytes] [compression]
//                                              N records of SIZE bytes to partition 0 with produce + flush;
//                                              prints "RESULT swift_produce msgs/s=… MB/s=…" like rk_bench
//
// A record: {"topic", "partition"?, "key": hex|null, "value": hex|null,
//            "headers": [[key, hex|null]], "timestamp"?}

func hex(_ bytes: [UInt8]?) -> Any { bytes.map { $0.map { String(format: "%02x", $0) }.joined() } ?? NSNull() }

func unhex(_ value: Any?) -> [UInt8]? {
    guard let text = value as? String else { return nil }
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func json(_ record: ConsumerRecord) -> [String: Any] {
    [
        "topic": record.topic, "partition": record.partition, "offset": record.offset,
        "timestamp": record.timestamp, "key": hex(record.key), "value": hex(record.value),
        "headers": record.headers.map { [$0.key, hex($0.value)] },
    ]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
    exit(2)
}

var logger = Logger(label: "sluice-client-interop")
logger.logLevel = .warning
let arguments = Array(CommandLine.arguments.dropFirst())

switch arguments.first {
case "partition":
    let count = Int(arguments[1])!
    for key in arguments.dropFirst(2) { print(Partitioner.partition(forKey: unhex(key)!, partitionCount: count)) }

case "produce":
    var config = ProducerConfig(bootstrap: arguments[1])
    if arguments.count > 2 { config.acks = ["0": .none, "1": .leader, "all": .all][arguments[2]] ?? .all }
    if arguments.count > 3 {
        config.compression = CompressionCodecName.parse(arguments[3]) ?? .none
    }
    let producer = Producer(config: config, logger: logger)
    while let line = readLine() {
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
        let headers = (object["headers"] as? [[Any]] ?? []).map { (key: $0[0] as! String, value: unhex($0[1])) }
        let record = ProducerRecord(
            topic: object["topic"] as! String, partition: (object["partition"] as? Int).map(Int32.init),
            key: unhex(object["key"]), value: unhex(object["value"]), headers: headers,
            timestamp: (object["timestamp"] as? NSNumber)?.int64Value)
        let metadata = try await producer.send(record)
        emit(["partition": metadata.partition, "offset": metadata.offset, "timestamp": metadata.timestamp])
    }
    try await producer.close()

case "consume":
    let (bootstrap, topic, count) = (arguments[1], arguments[2], Int(arguments[3])!)
    let admin = Admin(config: ClientConfig(bootstrap: bootstrap), logger: logger)
    let partitions = try await admin.describeTopics([topic])[0].partitions.map { TopicPartition(topic, $0.partition) }
    await admin.close()
    var config = ConsumerConfig(bootstrap: bootstrap)
    config.autoOffsetReset = .earliest
    if arguments.count > 4, arguments[4] == "read_committed" { config.isolationLevel = .readCommitted }
    let consumer = Consumer(config: config, logger: logger)
    try consumer.assign(partitions)
    var seen = 0
    var quietSince = Date()
    while seen < count, Date().timeIntervalSince(quietSince) < 5 {
        for record in try await consumer.poll(timeout: .milliseconds(500)) {
            emit(json(record))
            seen += 1
            quietSince = Date()
        }
    }
    await consumer.close()

case "group":
    let (bootstrap, topic, group) = (arguments[1], arguments[2], arguments[3])
    var config = ConsumerConfig(bootstrap: bootstrap, groupId: group)
    config.groupProtocol = arguments[4] == "consumer" ? .consumer : .classic
    config.autoOffsetReset = .earliest
    config.heartbeatInterval = .milliseconds(500)
    config.sessionTimeout = .seconds(10)
    config.rebalanceTimeout = .seconds(10)
    config.fetchMaxWait = .milliseconds(100)
    let consumer = Consumer(config: config, logger: logger)
    try consumer.subscribe(topics: [topic])
    let deadline = Date().addingTimeInterval(Double(arguments[5])!)
    var assigned: Set<TopicPartition> = []
    while Date() < deadline {
        let records = try await consumer.poll(timeout: .milliseconds(200))
        if consumer.assignment != assigned {
            assigned = consumer.assignment
            emit(["assigned": assigned.sorted().map { Int($0.partition) }])
        }
        for record in records { emit(json(record)) }
    }
    try await consumer.commit()
    await consumer.close()

case "bench":
    let (bootstrap, topic, count, size) = (arguments[1], arguments[2], Int(arguments[3])!, Int(arguments[4])!)
    var config = ProducerConfig(bootstrap: bootstrap)
    config.acks = arguments.count > 5 ? (["0": .none, "1": .leader][arguments[5]] ?? .all) : .leader
    config.linger = .milliseconds(arguments.count > 6 ? Int(arguments[6])! : 5)
    config.batchSize = arguments.count > 7 ? Int(arguments[7])! : 1 << 20
    config.compression = arguments.count > 8 ? (CompressionCodecName.parse(arguments[8]) ?? .none) : .none
    let producer = Producer(config: config, logger: logger)
    let value = [UInt8](repeating: 0x61, count: size)
    _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, value: value))  // connect, create
    let failures = FailureCount()
    let clock = ContinuousClock()
    let started = clock.now
    try await produceAll(producer, topic: topic, value: value, count: count, failures: failures)
    let elapsed = clock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(count) / seconds
    print(
        "RESULT swift_produce n=\(count) size=\(size) acks=\(config.acks) secs=\(String(format: "%.3f", seconds))"
            + " msgs/s=\(Int(rate)) MB/s=\(String(format: "%.1f", rate * Double(size) / 1e6)) failed=\(failures.value)")
    try await producer.close()

case "bench-consume":
    let (bootstrap, topic, count) = (arguments[1], arguments[2], Int(arguments[3])!)
    var config = ConsumerConfig(bootstrap: bootstrap)
    config.autoOffsetReset = .earliest
    config.maxPollRecords = 10_000
    config.prefetchRecords = 50_000
    let consumer = Consumer(config: config, logger: logger)
    try consumer.assign([TopicPartition(topic, 0)])
    let clock = ContinuousClock()
    let started = clock.now
    let (records, bytes) = try await consumeAll(consumer, count: count)
    let elapsed = clock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(
        "RESULT swift_consume n=\(records) secs=\(String(format: "%.3f", seconds))"
            + " msgs/s=\(Int(Double(records) / seconds)) MB/s=\(String(format: "%.1f", Double(bytes) / seconds / 1e6))")
    await consumer.close()

default:
    fail("usage: sluice-client-interop partition|produce|consume|group ... (see the source)")
}

/// Codec names as Kafka spells them in `compression.type`.
enum CompressionCodecName {
    static func parse(_ name: String) -> CompressionCodec? {
        CompressionCodec.allCases.first { $0.name == name }
    }
}

/// Delivery failures counted from callbacks.
final class FailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// The bench loop, off the main actor (top-level code runs on it, and every call into the
/// producer would hop threads twice).
func produceAll(_ producer: Producer, topic: String, value: [UInt8], count: Int, failures: FailureCount) async throws {
    let report: DeliveryCallback = { result in
        if case .failure = result { failures.add() }
    }
    for _ in 0..<count {
        let record = ProducerRecord(topic: topic, partition: 0, value: value)
        if try !producer.tryProduce(record, onDelivery: report) {
            try await producer.produce(record, onDelivery: report)
        }
    }
    try await producer.flush()
}

/// Polls until `count` records arrived (or 30 s without any); returns records and value bytes.
func consumeAll(_ consumer: Consumer, count: Int) async throws -> (Int, Int) {
    var records = 0
    var bytes = 0
    var idle = 0
    while records < count, idle < 60 {
        let batch = try await consumer.poll(timeout: .milliseconds(500))
        idle = batch.isEmpty ? idle + 1 : 0
        records += batch.count
        for record in batch { bytes += record.value?.count ?? 0 }
    }
    return (records, bytes)
}
