import KafkaRecords

/// Where one batch of an idempotent producer landed, enough to recognise a retry of it.
public struct ProducerBatchMetadata: Sendable, Equatable {
    /// Sequence number of the batch's first record.
    public var firstSequence: Int32
    /// Sequence number of its last record (wraps past `Int32.max` to 0).
    public var lastSequence: Int32
    /// Offset of its last record; the first is `lastOffset - offsetDelta`.
    public var lastOffset: Int64
    /// `lastOffset - firstOffset`.
    public var offsetDelta: Int32
    /// The batch's max timestamp (as stored, so the broker time on LogAppendTime topics).
    public var maxTimestamp: Int64

    public var firstOffset: Int64 { lastOffset - Int64(offsetDelta) }

    /// The sequence of the last record of a batch starting at `first` with `delta` more records;
    /// sequences wrap from `Int32.max` to 0, as Kafka's do.
    static func lastSequence(first: Int32, delta: Int32) -> Int32 {
        if first > Int32.max - delta { return delta - (Int32.max - first) - 1 }
        return first + delta
    }
}

/// What the log knows of one producer id: its current epoch and its last few batches.
public struct ProducerStateEntry: Sendable, Equatable {
    /// How many recent batches are kept for duplicate detection (Kafka keeps 5, the most a client
    /// may have in flight per connection with idempotence on).
    public static let retainedBatchCount = 5

    public var producerId: Int64
    public var epoch: Int16
    /// Oldest first, at most `retainedBatchCount`; all of epoch `epoch`.
    public private(set) var batches: [ProducerBatchMetadata]
    /// Largest timestamp seen from this producer; expiry counts from it.
    public var lastTimestamp: Int64
    /// Offset of the first record of the producer's open transaction in this partition, nil when
    /// none is open. The smallest over all producers is the partition's last stable offset.
    public var currentTxnFirstOffset: Int64?

    public init(
        producerId: Int64, epoch: Int16, batches: [ProducerBatchMetadata] = [], lastTimestamp: Int64 = -1,
        currentTxnFirstOffset: Int64? = nil
    ) {
        self.producerId = producerId
        self.epoch = epoch
        self.batches = batches
        self.lastTimestamp = lastTimestamp
        self.currentTxnFirstOffset = currentTxnFirstOffset
    }

    /// The sequence of the last record appended in the current epoch, nil when none is known.
    public var lastSequence: Int32? { batches.last?.lastSequence }

    /// The earlier batch that `epoch` / sequence range repeats, if any (a producer retry).
    func duplicate(epoch: Int16, firstSequence: Int32, lastSequence: Int32) -> ProducerBatchMetadata? {
        guard epoch == self.epoch else { return nil }
        return batches.first { $0.firstSequence == firstSequence && $0.lastSequence == lastSequence }
    }

    /// Records an appended batch; a new epoch forgets the batches of the old one. A transactional
    /// batch opens the producer's transaction here unless one is open.
    mutating func add(epoch: Int16, batch: ProducerBatchMetadata, isTransactional: Bool = false) {
        moveTo(epoch: epoch)
        if isTransactional && currentTxnFirstOffset == nil { currentTxnFirstOffset = batch.firstOffset }
        if batches.count == Self.retainedBatchCount { batches.removeFirst() }
        batches.append(batch)
        lastTimestamp = max(lastTimestamp, batch.maxTimestamp)
    }

    /// A transaction marker: ends the open transaction; its epoch (bumped by a fence) becomes current.
    mutating func addMarker(epoch: Int16, timestamp: Int64) {
        moveTo(epoch: epoch)
        currentTxnFirstOffset = nil
        lastTimestamp = max(lastTimestamp, timestamp)
    }

    /// A batch without sequence numbers (a coordinator's transactional offset commits).
    mutating func addUnsequenced(epoch: Int16, firstOffset: Int64, isTransactional: Bool) {
        moveTo(epoch: epoch)
        if isTransactional && currentTxnFirstOffset == nil { currentTxnFirstOffset = firstOffset }
    }

    private mutating func moveTo(epoch: Int16) {
        if epoch != self.epoch {
            self.epoch = epoch
            batches.removeAll(keepingCapacity: true)
        }
    }
}
