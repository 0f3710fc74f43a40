import KafkaRecords
import KafkaWire
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// What `append` did.
public struct AppendResult: Sendable, Equatable {
    /// Offset assigned to the first record.
    public var firstOffset: Int64
    /// Offset assigned to the last record.
    public var lastOffset: Int64
    /// The broker time stamped into the batches, or -1 unless the log uses LogAppendTime.
    public var logAppendTime: Int64
    /// The log start offset after the append.
    public var logStartOffset: Int64
    /// True when the batches repeat ones already in the log (an idempotent producer's retry): nothing
    /// was written, and the offsets are those of the original.
    public var isDuplicate = false
}

/// What `read` found.
public struct ReadResult: Sendable {
    /// Whole batches, or nil when there is nothing at that offset yet.
    public var records: RecordsPayload?
    public var highWatermark: Int64
    public var logStartOffset: Int64
    /// Offsets below it belong to no open transaction.
    public var lastStableOffset: Int64
}

/// The log of one partition: a sequence of segments in one directory.
///
/// One writer at a time (the broker serializes produce per partition); reads may run
/// concurrently. All state is guarded by one lock; batches become visible to readers only once
/// they are wholly written, because a segment's `size` moves past them only then.
public final class PartitionLog: @unchecked Sendable {
    public let directory: String
    public let topic: String
    public let partition: Int32
    let io: any FileIO
    let flusher: Flusher
    let logger: Logger
    /// Guards the state below. Held briefly: never across the write of appended batch bytes.
    let lock = NIOLock()
    /// Serializes appends, and everything that replaces or closes the active segment (roll, close,
    /// delete), so that no file is closed under an append's write. Taken before `lock`.
    let appendLock = NIOLock()

    // Guarded by `lock`:
    /// Segments by increasing base offset; the last one is active (receives appends). Never empty.
    var segments: [LogSegment]
    var logStartOffsetStorage: Int64
    var configStorage: LogConfig
    var isClosed = false
    var isDeleted = false
    /// Every offset below this is fsynced.
    var durableOffset: Int64
    /// Where sequential readers continue: next offset → (segment base offset, batch position).
    var readPositions: [Int64: (segmentBase: Int64, position: Int64)] = [:]
    /// First offset of the oldest open transaction (the last stable offset), nil when none is open.
    var firstUnstableOffsetStorage: Int64?
    /// Aborted transactions by marker offset, oldest first (the `.txnindex` files' entries).
    var abortedTransactionsStorage: [AbortedTransaction]
    /// Offsets below this were compacted by the last cleaning pass (Kafka's cleaner checkpoint,
    /// saved in `cleaner-checkpoint`); nil before the first pass: the whole log is dirty.
    var cleanerCheckpoint: Int64?
    /// The earliest delete horizon of a tombstone the last pass kept: from then on a pass can
    /// drop it even when nothing new is dirty. -1 when none is pending.
    var nextDeleteHorizon: Int64 = -1
    /// Set while a cleaner thread works on this log, so that two never clean it at once.
    var isBeingCleaned = false

    // Guarded by `appendLock` (appends, rolls and close hold it):
    /// Idempotent producers' epochs and recent batches.
    var producerStateStorage: ProducerStateManager
    /// How long a producer id is remembered after its last batch (`producer.id.expiration.ms`).
    var producerIdExpirationMs: Int64 = 86_400_000
    /// Appended bytes after which a producer snapshot is written even without a roll, so that
    /// recovery replays about as much log as it scans anyway.
    var producerSnapshotIntervalBytes = 1 << 20
    /// Bytes appended since the last producer snapshot.
    var bytesSinceProducerSnapshot = 0
    /// Offset of the last snapshot written between rolls; it is replaced by the next one.
    var periodicProducerSnapshot: Int64?
    /// The active segment's `.txnindex` has entries not yet fsynced.
    var transactionIndexDirty = false

    init(
        directory: String, topic: String, partition: Int32, config: LogConfig, io: any FileIO,
        flusher: Flusher, logger: Logger, segments: [LogSegment],
        producerState: ProducerStateManager = ProducerStateManager(), abortedTransactions: [AbortedTransaction] = []
    ) {
        self.directory = directory
        self.topic = topic
        self.partition = partition
        self.configStorage = config
        self.io = io
        self.flusher = flusher
        self.logger = logger
        self.segments = segments
        self.logStartOffsetStorage = segments[0].baseOffset
        self.durableOffset = segments[segments.count - 1].nextOffset
        self.producerStateStorage = producerState
        self.firstUnstableOffsetStorage = producerState.firstUnstableOffset
        self.abortedTransactionsStorage = abortedTransactions
    }

    /// The state of the idempotent producers that have written to this log.
    public var producerState: ProducerStateManager { appendLock.withLock { producerStateStorage } }

    /// Writes the producer-state snapshot for `offset`. A failure is logged, not thrown: without
    /// the snapshot the state is rebuilt from an older one and more of the log. Call with
    /// `appendLock` held.
    func snapshotProducerState(at offset: Int64, durable: Bool = true) {
        bytesSinceProducerSnapshot = 0
        do {
            try ProducerStateSnapshot.write(
                producerStateStorage, directory: directory, offset: offset, durable: durable, io: io)
        } catch {
            logger.warning(
                "writing the producer snapshot failed",
                metadata: ["directory": "\(directory)", "offset": "\(offset)", "error": "\(error)"])
        }
    }

    var activeSegment: LogSegment { segments[segments.count - 1] }

    /// First offset still in the log.
    public var logStartOffset: Int64 { lock.withLock { logStartOffsetStorage } }

    /// The next offset `append` assigns.
    public var logEndOffset: Int64 { lock.withLock { activeSegment.nextOffset } }

    /// Offsets below it are readable by consumers; equal to `logEndOffset` on a single node.
    public var highWatermark: Int64 { logEndOffset }

    /// Offsets below it belong to no open transaction: what read_committed consumers may read.
    public var lastStableOffset: Int64 { lock.withLock { firstUnstableOffsetStorage ?? activeSegment.nextOffset } }

    /// The aborted transactions a read_committed fetch of `[from, to)` must report: those whose
    /// marker is at or after `from` and whose first record is before `to`.
    public func abortedTransactions(from: Int64, to: Int64) -> [AbortedTransaction] {
        lock.withLock {
            // Entries of deleted segments are no longer needed.
            if let first = abortedTransactionsStorage.first, first.lastOffset < logStartOffsetStorage {
                abortedTransactionsStorage.removeAll { $0.lastOffset < logStartOffsetStorage }
            }
            // Sorted by marker offset: skip the history before `from` by binary search. Later
            // entries may all qualify (a transaction's first offset can be far below its marker).
            var low = 0
            var high = abortedTransactionsStorage.count
            while low < high {
                let mid = (low + high) / 2
                if abortedTransactionsStorage[mid].lastOffset < from { low = mid + 1 } else { high = mid }
            }
            return abortedTransactionsStorage[low...].filter { $0.firstOffset < to }
        }
    }

    /// Bytes of all segments' log files.
    public var sizeInBytes: Int64 { lock.withLock { segments.reduce(0) { $0 + $1.size } } }

    /// The settings in force; a new value applies from the next operation on.
    public var config: LogConfig {
        get { lock.withLock { configStorage } }
        set { lock.withLock { configStorage = newValue } }
    }

    /// Number of segments (for tests and metrics).
    public var segmentCount: Int { lock.withLock { segments.count } }

    /// Base offsets of the segments, oldest first (for tests and metrics).
    public var segmentBaseOffsets: [Int64] { lock.withLock { segments.map(\.baseOffset) } }

    /// Throws unless the log is open. Call with `lock` held.
    func checkOpen() throws {
        if isDeleted { throw StorageError.logDeleted }
        if isClosed { throw StorageError.closed }
    }

    /// Starts a new active segment at the log end offset. Call with `lock` held.
    func roll() throws {
        let old = activeSegment
        guard old.size > 0 else { return }
        try old.becomeInactive()
        // Recovery no longer replays this segment, so its aborted transactions must be on disk.
        try TransactionIndex.sync(directory: directory, baseOffset: old.baseOffset, io: io)
        transactionIndexDirty = false
        snapshotProducerState(at: old.nextOffset)
        // A periodic snapshot at this offset has just become the roll's: it stays.
        periodicProducerSnapshot = nil
        let segment = try LogSegment.create(directory: directory, baseOffset: old.nextOffset, io: io)
        segments.append(segment)
        // The whole old segment is fsynced now.
        durableOffset = max(durableOffset, old.nextOffset)
        logger.debug(
            "rolled segment",
            metadata: ["topic": "\(topic)", "partition": "\(partition)", "base": "\(segment.baseOffset)"])
    }

    /// Starts a new segment if the active one is older than `segment.ms`. Also forgets producers
    /// idle for `producerIdExpirationMs`, since this is the log's periodic maintenance.
    public func rollIfDue(now: Int64) throws {
        try appendLock.withLock {
            producerStateStorage.expire(now: now, expirationMs: producerIdExpirationMs)
            try lock.withLock {
                try checkOpen()
                if activeSegment.isDueForTimeRoll(now: now, config: configStorage) { try roll() }
            }
        }
    }

    /// Flushes and closes every file. Later operations throw `StorageError.closed`.
    public func close() throws {
        try appendLock.withLock {
            try lock.withLock { try closeLocked() }
        }
    }

    /// Call with both locks held.
    private func closeLocked() throws {
        guard !isClosed && !isDeleted else { return }
        isClosed = true
        // The files are closed even when the final flush fails; the error is still reported.
        defer { for segment in segments { try? segment.close() } }
        // The final time-index entry makes the largest timestamp known after a restart.
        try activeSegment.becomeInactive()
        try TransactionIndex.sync(directory: directory, baseOffset: activeSegment.baseOffset, io: io)
        durableOffset = activeSegment.nextOffset
        // Lets the next open skip replaying the log for producer state.
        snapshotProducerState(at: activeSegment.nextOffset)
    }

    /// Closes the log and removes its directory.
    public func deleteFromDisk() throws {
        try appendLock.withLock {
            try lock.withLock { try deleteLocked() }
        }
    }

    /// Call with both locks held.
    private func deleteLocked() throws {
        guard !isDeleted else { return }
        isDeleted = true
        for segment in segments { try? segment.close() }
        try io.removeItem(atPath: directory)
    }
}
