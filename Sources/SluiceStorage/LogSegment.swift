import KafkaRecords
import NIOCore

/// Where one appended batch landed: its (rewritten) offsets, largest timestamp and size.
struct BatchPlacement {
    var baseOffset: Int64
    var lastOffset: Int64
    var maxTimestamp: Int64
    var size: Int
}

/// One segment of a partition log: the `.log` file (batches exactly as appended, back to back)
/// and its two sparse indexes. Not thread-safe: `PartitionLog` serializes access with its lock.
final class LogSegment {
    let baseOffset: Int64
    let directory: String
    let log: any FileHandleIO
    let offsetIndex: OffsetIndex
    let timeIndex: TimeIndex
    /// Bytes of whole batches in the log file.
    var size: Int64
    /// One past the last offset in this segment (its base offset when empty).
    var nextOffset: Int64
    /// Largest batch max-timestamp in the segment, -1 when unknown or empty.
    var maxTimestamp: Int64 = -1
    /// Last offset of the batch holding `maxTimestamp`.
    var offsetOfMaxTimestamp: Int64 = -1
    /// When the first batch was appended (broker clock; after a restart, the first batch's max
    /// timestamp): `segment.ms` counts from it.
    var rollingTimestamp: Int64?
    /// Log size when the index files were last fsynced by the flusher.
    var logSizeAtIndexSync: Int64 = 0
    /// Log bytes written since the last offset-index entry.
    private var bytesSinceLastIndexEntry = 0

    init(
        baseOffset: Int64, directory: String, log: any FileHandleIO, offsetIndex: OffsetIndex,
        timeIndex: TimeIndex, size: Int64
    ) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.log = log
        self.offsetIndex = offsetIndex
        self.timeIndex = timeIndex
        self.size = size
        self.nextOffset = baseOffset
    }

    /// Creates the three (empty) files of a new segment. `state` is appended to every file name
    /// (the cleaner writes `.cleaned` files, renamed later; the file handles follow the renames).
    static func create(directory: String, baseOffset: Int64, io: any FileIO, state: String = "") throws -> LogSegment {
        func open(_ suffix: String) throws -> any FileHandleIO {
            let path = SegmentFileNames.path(directory: directory, baseOffset: baseOffset, suffix: suffix) + state
            let file = try io.openFile(atPath: path, create: true)
            try file.truncate(to: 0)
            return file
        }
        return LogSegment(
            baseOffset: baseOffset, directory: directory, log: try open(SegmentFileNames.logSuffix),
            offsetIndex: OffsetIndex(
                baseOffset: baseOffset, file: try open(SegmentFileNames.offsetIndexSuffix), loaded: true),
            timeIndex: TimeIndex(
                baseOffset: baseOffset, file: try open(SegmentFileNames.timeIndexSuffix), loaded: true),
            size: 0)
    }

    // MARK: Appending

    /// Whether an append of `bytes` more must go to a new segment instead.
    func mustRoll(adding bytes: Int, lastOffset: Int64, now: Int64, config: LogConfig) -> Bool {
        guard size > 0 else { return false }
        let sizeLimit = Int64(min(config.segmentBytes, Int(Int32.max)))
        if size + Int64(bytes) > sizeLimit { return true }
        if let rollingTimestamp, now - rollingTimestamp > config.segmentMs { return true }
        if lastOffset - baseOffset > Int64(Int32.max) { return true }
        let indexLimit = config.maxIndexBytes - TimeIndex.entrySize
        return offsetIndex.sizeInBytes >= indexLimit || timeIndex.sizeInBytes >= indexLimit
    }

    /// Whether the segment is old enough to roll by `segment.ms`.
    func isDueForTimeRoll(now: Int64, config: LogConfig) -> Bool {
        guard size > 0, let rollingTimestamp else { return false }
        return now - rollingTimestamp > config.segmentMs
    }

    /// Append phase 1: writes `parts` (the batches, split around their rewritten base offsets)
    /// right after the published end of the log, in one gathering write. Readers do not see these
    /// bytes until `publish`, so this runs without `PartitionLog`'s state lock (appends are
    /// serialized by its append lock). On failure the partial bytes are cut away.
    func writeBatches(_ parts: [ByteBuffer]) throws {
        let start = size
        do {
            try log.pwrite(gathering: parts, at: start)
        } catch {
            try? log.truncate(to: start)
            throw error
        }
    }

    /// Append phase 2 (under the state lock): records the written `batches` in the indexes and
    /// moves the published end past them. If the index write fails, the log and indexes are cut
    /// back to where they were, so the segment stays consistent.
    func publish(_ batches: [BatchPlacement], indexIntervalBytes: Int, now: Int64) throws {
        let start = size
        let saved = (nextOffset, maxTimestamp, offsetOfMaxTimestamp, bytesSinceLastIndexEntry, rollingTimestamp)
        do {
            var position = start
            for batch in batches {
                try record(batch, at: position, indexIntervalBytes: indexIntervalBytes)
                position += Int64(batch.size)
            }
            // The broker clock, not the producer's timestamps: batches carrying old timestamps
            // must not make every append roll a new segment.
            if rollingTimestamp == nil, !batches.isEmpty { rollingTimestamp = now }
            try offsetIndex.writePending()
            try timeIndex.writePending()
            size = position
        } catch {
            try? log.truncate(to: start)
            offsetIndex.dropPending()
            timeIndex.dropPending()
            (nextOffset, maxTimestamp, offsetOfMaxTimestamp, bytesSinceLastIndexEntry, rollingTimestamp) = saved
            throw error
        }
    }

    /// Accounts for a batch at `position`: offsets, largest timestamp, and index entries every
    /// `indexIntervalBytes` (pending until `writePending`).
    func record(_ batch: BatchPlacement, at position: Int64, indexIntervalBytes: Int) throws {
        if batch.maxTimestamp > maxTimestamp {
            maxTimestamp = batch.maxTimestamp
            offsetOfMaxTimestamp = batch.lastOffset
        }
        if bytesSinceLastIndexEntry > indexIntervalBytes {
            try offsetIndex.append(offset: batch.baseOffset, position: position)
            if maxTimestamp >= 0 { try timeIndex.maybeAppend(timestamp: maxTimestamp, offset: offsetOfMaxTimestamp) }
            bytesSinceLastIndexEntry = 0
        }
        bytesSinceLastIndexEntry += batch.size
        nextOffset = batch.lastOffset + 1
    }

    /// Resets the index-interval counter to "just indexed the batch at the scan start".
    func resetIndexInterval() {
        bytesSinceLastIndexEntry = 0
    }

    // MARK: Reading

    /// The batch holding `offset`, or the first batch after it: starts at the offset-index floor
    /// (or at `hint`, a known batch start at or before the target) and hops over batch headers.
    func locate(offset: Int64, hint: Int64? = nil) throws -> (position: Int64, header: RecordBatchHeader)? {
        let start = try hint ?? offsetIndex.floor(offset: offset).position
        var reader = BatchHeaderReader(file: log, fileEnd: size)
        var position = start
        while let header = try reader.header(at: position) {
            if header.lastOffset >= offset { return (position, header) }
            position += Int64(header.totalSize)
        }
        return nil
    }

    /// The end of the last whole batch that ends at or before `limit`, scanning from `start`
    /// (a batch start); `start` itself when even the first batch does not fit. Also returns the
    /// offset that follows the returned end.
    func lastBatchBoundary(from start: Int64, notAfter limit: Int64, nextOffsetAtStart: Int64) throws
        -> (end: Int64, nextOffset: Int64)
    {
        if limit >= size { return (size, nextOffset) }
        // Jump to the last indexed batch before the limit, so only ~indexIntervalBytes are scanned.
        let indexed = try offsetIndex.floor(position: limit)
        var position = max(start, indexed.position)
        var next = indexed.position > start ? indexed.offset : nextOffsetAtStart
        var reader = BatchHeaderReader(file: log, fileEnd: size)
        while let header = try reader.header(at: position), position + Int64(header.totalSize) <= limit {
            position += Int64(header.totalSize)
            next = header.lastOffset + 1
        }
        return (position, next)
    }

    // MARK: Lifecycle

    /// Called when a newer segment takes over: records the largest timestamp in the time index
    /// (so it survives a restart) and makes all three files durable.
    func becomeInactive() throws {
        if maxTimestamp >= 0 {
            try timeIndex.maybeAppend(timestamp: maxTimestamp, offset: offsetOfMaxTimestamp)
            try timeIndex.writePending()
        }
        try fsyncAll()
    }

    func fsyncAll() throws {
        try log.fsync()
        try offsetIndex.file.fsync()
        try timeIndex.file.fsync()
    }

    func close() throws {
        try log.close()
        try offsetIndex.file.close()
        try timeIndex.file.close()
    }

    /// Closes and removes the segment's files, and the producer snapshot taken when it started.
    func delete(io: any FileIO) throws {
        try? close()
        try io.removeItem(atPath: ProducerStateSnapshot.path(directory: directory, offset: baseOffset))
        for suffix in [
            SegmentFileNames.logSuffix, SegmentFileNames.offsetIndexSuffix, SegmentFileNames.timeIndexSuffix,
            TransactionIndex.suffix,
        ] {
            try io.removeItem(
                atPath: SegmentFileNames.path(directory: directory, baseOffset: baseOffset, suffix: suffix))
        }
    }
}
