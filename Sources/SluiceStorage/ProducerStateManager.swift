import KafkaRecords

/// The idempotent-producer state of one partition: per producer id, its epoch and last batches.
///
/// Checks run before a batch is written, in O(1) per batch (a dictionary lookup and a scan of at
/// most five batches). The rules are Kafka 4.0's (`ProducerAppendInfo`): an epoch older than the
/// known one is fenced; a new epoch of a known producer must start at sequence 0; within an epoch
/// each batch must continue the last sequence; a producer the log does not know (never seen, or
/// expired) may start anywhere. A batch repeating one of the last five is a retry, not an error.
/// Not thread-safe: `PartitionLog` guards it with its append lock.
public struct ProducerStateManager: Sendable, Equatable {
    /// Known producers by id.
    public private(set) var entries: [Int64: ProducerStateEntry]

    /// The first offset of the oldest open transaction: the last stable offset, or nil when none is open.
    public var firstUnstableOffset: Int64? { entries.values.compactMap(\.currentTxnFirstOffset).min() }

    public init(entries: [Int64: ProducerStateEntry] = [:]) {
        self.entries = entries
    }

    /// What a check decided about one batch.
    enum Verdict {
        /// Write it; the entry to keep once the append is published.
        case append(ProducerStateEntry)
        /// A retry of a batch already in the log: do not write it, answer with its offsets.
        case duplicate(ProducerBatchMetadata)
    }

    /// Checks the idempotent batch `header`, which would get offsets `firstOffset...` and carries
    /// `maxTimestamp`, against the state plus `pending` (entries updated by earlier batches of the
    /// same append). Throws `invalidProducerEpoch` or `outOfOrderSequence`.
    func check(
        _ header: RecordBatchHeader, firstOffset: Int64, maxTimestamp: Int64,
        pending: [Int64: ProducerStateEntry]
    ) throws -> Verdict {
        let producerId = header.producerId
        let epoch = header.producerEpoch
        if header.isControl || header.baseSequence < 0 {
            // Written by a coordinator: a transaction marker, or transactional offset commits. They
            // carry no sequence; an older epoch is fenced, a newer one (a fence's bump) is taken.
            var entry =
                pending[producerId] ?? entries[producerId] ?? ProducerStateEntry(producerId: producerId, epoch: epoch)
            if epoch < entry.epoch {
                throw StorageError.invalidProducerEpoch(producerId: producerId, epoch: epoch, currentEpoch: entry.epoch)
            }
            if header.isControl {
                entry.addMarker(epoch: epoch, timestamp: maxTimestamp)
            } else {
                entry.addUnsequenced(epoch: epoch, firstOffset: firstOffset, isTransactional: header.isTransactional)
            }
            return .append(entry)
        }
        let firstSequence = header.baseSequence
        let lastSequence = ProducerBatchMetadata.lastSequence(first: firstSequence, delta: header.lastOffsetDelta)
        let batch = ProducerBatchMetadata(
            firstSequence: firstSequence, lastSequence: lastSequence,
            lastOffset: firstOffset + Int64(header.lastOffsetDelta), offsetDelta: header.lastOffsetDelta,
            maxTimestamp: maxTimestamp)
        guard var entry = pending[producerId] ?? entries[producerId] else {
            // Unknown producer (new, or its state expired): any sequence starts it.
            var entry = ProducerStateEntry(producerId: producerId, epoch: epoch)
            entry.add(epoch: epoch, batch: batch, isTransactional: header.isTransactional)
            return .append(entry)
        }
        if let original = entry.duplicate(epoch: epoch, firstSequence: firstSequence, lastSequence: lastSequence) {
            return .duplicate(original)
        }
        if epoch < entry.epoch {
            throw StorageError.invalidProducerEpoch(producerId: producerId, epoch: epoch, currentEpoch: entry.epoch)
        }
        if epoch != entry.epoch {
            if firstSequence != 0 {
                throw StorageError.outOfOrderSequence(producerId: producerId, sequence: firstSequence, lastSequence: -1)
            }
        } else if let last = entry.lastSequence, !Self.follows(last, firstSequence) {
            throw StorageError.outOfOrderSequence(producerId: producerId, sequence: firstSequence, lastSequence: last)
        }
        entry.add(epoch: epoch, batch: batch, isTransactional: header.isTransactional)
        return .append(entry)
    }

    /// Whether `next` is the sequence right after `last` (wrapping at `Int32.max`).
    static func follows(_ last: Int32, _ next: Int32) -> Bool {
        Int64(next) == Int64(last) + 1 || (next == 0 && last == Int32.max)
    }

    /// Keeps entries that an append has published.
    mutating func commit(_ updated: [Int64: ProducerStateEntry]) {
        for (producerId, entry) in updated { entries[producerId] = entry }
    }

    /// Takes in a batch read back from the log (recovery), without checks: the log is the truth.
    mutating func replay(_ header: RecordBatchHeader) {
        guard header.producerId >= 0 else { return }
        if header.isControl || header.baseSequence < 0 {
            var entry =
                entries[header.producerId]
                ?? ProducerStateEntry(producerId: header.producerId, epoch: header.producerEpoch)
            if header.isControl {
                entry.addMarker(epoch: header.producerEpoch, timestamp: header.maxTimestamp)
            } else {
                entry.addUnsequenced(
                    epoch: header.producerEpoch, firstOffset: header.baseOffset, isTransactional: header.isTransactional
                )
            }
            entries[header.producerId] = entry
            return
        }
        let batch = ProducerBatchMetadata(
            firstSequence: header.baseSequence,
            lastSequence: ProducerBatchMetadata.lastSequence(first: header.baseSequence, delta: header.lastOffsetDelta),
            lastOffset: header.lastOffset, offsetDelta: header.lastOffsetDelta, maxTimestamp: header.maxTimestamp)
        var entry =
            entries[header.producerId] ?? ProducerStateEntry(producerId: header.producerId, epoch: header.producerEpoch)
        entry.add(epoch: header.producerEpoch, batch: batch, isTransactional: header.isTransactional)
        entries[header.producerId] = entry
    }

    /// Forgets producers idle for at least `expirationMs` (by their last batch timestamp).
    /// Returns how many were removed.
    @discardableResult
    mutating func expire(now: Int64, expirationMs: Int64) -> Int {
        let before = entries.count
        // A producer with an open transaction is kept: its first offset holds the last stable offset.
        entries = entries.filter {
            now - $0.value.lastTimestamp < expirationMs || $0.value.currentTxnFirstOffset != nil
        }
        return before - entries.count
    }
}
