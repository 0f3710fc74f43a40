import KafkaRecords
import NIOCore

/// Called once per record with where it landed or why it did not.
public typealias DeliveryCallback = @Sendable (Result<RecordMetadata, KafkaClientError>) -> Void

/// Records of one partition gathered into one RecordBatch.
struct ProducerBatch: Sendable {
    let partition: TopicPartition
    /// Records so far; dropped once the batch is encoded so its bytes are not held twice.
    var builder: RecordBatchBuilder?
    /// Per record, in order: its timestamp and who to tell.
    var deliveries: [(timestamp: Int64, callback: DeliveryCallback?)] = []
    /// Estimated bytes (what `bufferMemory` accounts).
    var bytes = 0
    /// When the first record came (`Producer.wallClockNanos`): linger and delivery timeout count from it.
    let createdAt: UInt64
    /// The encoded batch once closed; retries resend these same bytes (same sequence).
    var encoded: ByteBuffer?
    var baseSequence: Int32 = -1
    var attempts = 0

    var recordCount: Int { deliveries.count }
}

/// Per-partition queues of batches, value-typed so it is tested without I/O. The producer holds it
/// under a lock; the sender drains it.
///
/// A partition has at most one open batch taking records. It closes when full, when its linger
/// passed, or on flush; closed batches go out in order, at most `maxInFlight` at a time. After a
/// retriable failure the partition resends one batch at a time until one succeeds, so sequences
/// reach the broker in order again.
struct RecordAccumulator: Sendable {
    struct PartitionQueue: Sendable {
        var open: ProducerBatch?
        /// Closed batches waiting to go, in sequence order.
        var closed: [ProducerBatch] = []
        var inFlight = 0
        var nextSequence: Int32 = 0
        var retrying = false
    }

    /// What shapes new batches; passed by value to the in-place helpers (passing the whole
    /// accumulator would copy its queues).
    struct BatchSettings: Sendable {
        var batchSize: Int
        var lingerNanos: UInt64
        var maxInFlight: Int
        var compression: CompressionCodec
        var producerId: Int64 = -1
        var producerEpoch: Int16 = -1
    }

    var settings: BatchSettings
    var producerId: Int64 {
        get { settings.producerId }
        set { settings.producerId = newValue }
    }
    var producerEpoch: Int16 {
        get { settings.producerEpoch }
        set { settings.producerEpoch = newValue }
    }
    var queues: [TopicPartition: PartitionQueue] = [:]
    /// Set by `flush`: open batches close at the next drain whatever their age.
    var flushing = false
    /// The broker lost (or never had) this producer's sequence state somewhere: nothing is sent
    /// until every batch in flight is back and a new producer id is installed.
    var resetPending = false

    init(batchSize: Int, linger: Duration, maxInFlight: Int, compression: CompressionCodec) {
        self.settings = BatchSettings(
            batchSize: batchSize, lingerNanos: UInt64(max(0, linger.milliseconds)) * 1_000_000,
            maxInFlight: max(1, maxInFlight), compression: compression)
    }

    /// What `append` did, so the producer can move sticky partitioning and wake the sender.
    struct AppendOutcome: Equatable {
        /// A batch was closed because it was full (the sender has work now).
        var closedFullBatch: Bool
        /// The record started a new batch (its linger clock started).
        var startedBatch: Bool
    }

    mutating func append(
        _ record: ProducerRecord, to partition: TopicPartition, timestamp: Int64, now: UInt64,
        callback: DeliveryCallback?
    ) -> AppendOutcome {
        // In place: a copy of the queue would copy the open batch's buffer on every record.
        Self.append(
            record, to: &queues[partition, default: PartitionQueue()], partition: partition, timestamp: timestamp,
            now: now, callback: callback, settings: settings)
    }

    private static func append(
        _ record: ProducerRecord, to queue: inout PartitionQueue, partition: TopicPartition, timestamp: Int64,
        now: UInt64, callback: DeliveryCallback?, settings: BatchSettings
    ) -> AppendOutcome {
        var outcome = AppendOutcome(closedFullBatch: false, startedBatch: false)
        let size = record.estimatedSize
        if let open = queue.open, open.bytes + size > settings.batchSize, open.recordCount > 0 {
            close(&queue, settings)
            outcome.closedFullBatch = true
        }
        if queue.open == nil {
            queue.open = ProducerBatch(
                partition: partition,
                builder: RecordBatchBuilder(
                    baseTimestamp: timestamp, producerId: settings.producerId, producerEpoch: settings.producerEpoch,
                    compression: settings.compression),
                createdAt: now)
            outcome.startedBatch = true
        }
        queue.open!.builder!.append(
            keyBytes: record.key, valueBytes: record.value, headers: record.headers, timestamp: timestamp)
        queue.open!.deliveries.append((timestamp, callback))
        queue.open!.bytes += size
        if queue.open!.bytes >= settings.batchSize {
            close(&queue, settings)
            outcome.closedFullBatch = true
        }
        return outcome
    }

    /// Encodes the open batch and queues it, giving it the partition's next sequence numbers.
    private static func close(_ queue: inout PartitionQueue, _ settings: BatchSettings) {
        guard var batch = queue.open else { return }
        queue.open = nil
        if settings.producerId >= 0 {
            batch.builder?.baseSequence = queue.nextSequence
            batch.baseSequence = queue.nextSequence
            queue.nextSequence = queue.nextSequence &+ Int32(batch.recordCount)
        }
        batch.encoded = batch.builder?.build()
        batch.builder = nil
        queue.closed.append(batch)
    }

    /// Batches ready to send now, marked in flight: closed ones, and open ones whose linger passed
    /// (or all open ones while flushing).
    mutating func drain(now: UInt64) -> [ProducerBatch] {
        var ready: [ProducerBatch] = []
        guard !resetPending else { return ready }
        let settings = settings
        for index in queues.indices {
            Self.drain(&queues.values[index], now: now, flushing: flushing, settings: settings, into: &ready)
        }
        return ready
    }

    private static func drain(
        _ queue: inout PartitionQueue, now: UInt64, flushing: Bool, settings: BatchSettings,
        into ready: inout [ProducerBatch]
    ) {
        if let open = queue.open, flushing || now &- open.createdAt >= settings.lingerNanos {
            close(&queue, settings)
        }
        let limit = queue.retrying ? 1 : settings.maxInFlight
        while queue.inFlight < limit, !queue.closed.isEmpty {
            var batch = queue.closed.removeFirst()
            batch.attempts += 1
            ready.append(batch)
            queue.inFlight += 1
        }
    }

    /// The batch was acknowledged (or failed for good): its partition may send the next one.
    mutating func finished(_ batch: ProducerBatch) {
        guard var queue = queues[batch.partition] else { return }
        queue.inFlight -= 1
        queue.retrying = false
        if queue.open == nil, queue.closed.isEmpty, queue.inFlight == 0, producerId < 0 {
            queues[batch.partition] = nil  // nothing to remember without sequences
        } else {
            queues[batch.partition] = queue
        }
    }

    /// The batch failed retriably: it goes back in sequence order, and the partition sends one
    /// batch at a time until it succeeds.
    mutating func requeue(_ batch: ProducerBatch) {
        guard var queue = queues[batch.partition] else { return }
        queue.inFlight -= 1
        queue.retrying = true
        let at = queue.closed.firstIndex { $0.baseSequence > batch.baseSequence } ?? queue.closed.endIndex
        queue.closed.insert(batch, at: batch.baseSequence < 0 ? 0 : at)
        queues[batch.partition] = queue
    }

    /// Whether `partition` is resending after a retriable failure.
    func isRetrying(_ partition: TopicPartition) -> Bool { queues[partition]?.retrying ?? false }

    /// Nothing waiting and nothing in flight.
    var isEmpty: Bool {
        queues.values.allSatisfy { $0.open == nil && $0.closed.isEmpty && $0.inFlight == 0 }
    }

    /// When the oldest open batch's linger ends (nanoseconds of the producer's clock), if there is one.
    var nextLingerDeadline: UInt64? {
        queues.values.compactMap { $0.open.map { $0.createdAt &+ settings.lingerNanos } }.min()
    }

    /// Removes every batch not in flight (on close or fatal error) and returns them.
    mutating func removeAllWaiting() -> [ProducerBatch] {
        var removed: [ProducerBatch] = []
        for partition in queues.keys {
            if let open = queues[partition]!.open { removed.append(open) }
            removed += queues[partition]!.closed
            queues[partition]!.open = nil
            queues[partition]!.closed = []
        }
        return removed
    }
}
