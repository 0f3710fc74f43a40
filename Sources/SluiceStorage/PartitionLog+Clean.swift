import KafkaRecords
import NIOCore

/// Settings of the cleaner that are the broker's, not the topic's.
public struct CleanerSettings: Sendable {
    /// Most keys one pass maps (`log.cleaner.dedupe.buffer.size` / 24 per entry, as Kafka).
    public var offsetMapCapacity: Int = (128 << 20) / 24
    /// Bytes read from the log per chunk (`log.cleaner.io.buffer.size` is per read and write buffer).
    public var readChunkBytes: Int = 4 << 20

    public init() {}
}

/// What one cleaning pass did.
public struct CleaningResult: Sendable, Equatable {
    public var segmentsRewritten = 0
    public var bytesRead: Int64 = 0
    public var bytesWritten: Int64 = 0
    public var recordsRead = 0
    public var recordsRetained = 0
    /// Offsets below this are now compacted.
    public var cleanedThrough: Int64 = 0
}

/// Where a compacted log stands, for choosing which log to clean next.
public struct CleanableRange: Sendable, Equatable {
    /// First offset not compacted yet.
    public var firstDirtyOffset: Int64
    /// First offset the cleaner may not touch: the active segment, or a segment younger than
    /// `min.compaction.lag.ms`.
    public var firstUncleanableOffset: Int64
    /// Dirty bytes / (clean + dirty bytes).
    public var dirtyRatio: Double
    /// A dirty record is older than `max.compaction.lag.ms`, or a kept tombstone's or
    /// transaction marker's delete horizon has passed: clean whatever the ratio.
    public var isOverdue: Bool
    /// Whether a pass would do anything useful now.
    public var shouldClean: Bool
}

extension PartitionLog {
    /// The log's cleanable range at `now`, or nil unless its `cleanup.policy` includes `compact`.
    public func cleanableRange(now: Int64) throws -> CleanableRange? {
        try lock.withLock { try cleanableRangeLocked(now: now) }
    }

    /// Call with `lock` held.
    private func cleanableRangeLocked(now: Int64) throws -> CleanableRange? {
        try checkOpen()
        let config = configStorage
        guard config.compacts else { return nil }
        let firstDirty = max(cleanerCheckpoint ?? logStartOffsetStorage, logStartOffsetStorage)
        // The active segment, and every segment from the first one with a record younger than
        // the compaction lag, are out of bounds.
        var firstUncleanable = activeSegment.baseOffset
        // Nothing from the oldest open transaction on (its outcome is not known yet), as Kafka.
        if let unstable = firstUnstableOffsetStorage {
            firstUncleanable = segments[segmentIndex(containing: unstable)].baseOffset
        }
        if config.minCompactionLagMs > 0 {
            for segment in segments.dropLast() where segment.maxTimestamp > now - config.minCompactionLagMs {
                firstUncleanable = min(firstUncleanable, segment.baseOffset)
                break
            }
        }
        var cleanBytes: Int64 = 0
        var dirtyBytes: Int64 = 0
        var firstDirtySegment: LogSegment?
        for (index, segment) in segments.dropLast().enumerated() {
            let end = segments[index + 1].baseOffset
            if end <= firstDirty {
                cleanBytes += segment.size
            } else if segment.baseOffset < firstUncleanable {
                dirtyBytes += segment.size
                if firstDirtySegment == nil { firstDirtySegment = segment }
            }
        }
        let total = cleanBytes + dirtyBytes
        let ratio = total > 0 ? Double(dirtyBytes) / Double(total) : 0
        var overdue = nextDeleteHorizon >= 0 && nextDeleteHorizon <= now
        if let firstDirtySegment, config.maxCompactionLagMs < Int64.max, firstDirtySegment.size > 0 {
            var reader = BatchHeaderReader(file: firstDirtySegment.log, fileEnd: firstDirtySegment.size)
            if let first = try reader.header(at: 0), first.baseTimestamp >= 0,
                now - first.baseTimestamp > config.maxCompactionLagMs
            {
                overdue = true
            }
        }
        let hasDirty = dirtyBytes > 0 && firstDirty < firstUncleanable
        let should = (hasDirty && ratio >= config.minCleanableDirtyRatio) || (overdue && total > 0)
        return CleanableRange(
            firstDirtyOffset: firstDirty, firstUncleanableOffset: firstUncleanable, dirtyRatio: ratio,
            isOverdue: overdue, shouldClean: should)
    }

    /// Runs one cleaning pass if the log is due (see `CleanableRange.shouldClean`), or always
    /// with `force`. Returns nil when there was nothing to do or another pass is running.
    ///
    /// The pass maps every key of the dirty range to its latest offset, then rewrites the
    /// non-active segments below the range's end, group by group, keeping per key only the latest
    /// record, tombstones until their delete horizon, and transaction markers until a pass finds
    /// nothing left of their transaction and then their delete horizon passes
    /// (`CleanedTransactions`). Appends and reads go on meanwhile; each group is swapped in under
    /// the log's lock (see `swapIn`).
    public func clean(
        now: Int64, settings: CleanerSettings = CleanerSettings(), throttle: CleanerThrottle? = nil,
        force: Bool = false
    ) throws -> CleaningResult? {
        let plan: (range: CleanableRange, config: LogConfig, segments: [LogSegment])? = try lock.withLock {
            guard !isBeingCleaned, let range = try cleanableRangeLocked(now: now), force || range.shouldClean else {
                return nil
            }
            isBeingCleaned = true
            return (range, configStorage, Array(segments.dropLast()))
        }
        guard let plan else { return nil }
        defer { lock.withLock { isBeingCleaned = false } }
        let started = ContinuousClock.now
        let producers = producerState
        // Everything below the first uncleanable offset is below the last stable offset: each
        // transaction there has its marker, and the aborted ones are in this list.
        let aborted = abortedTransactions(from: 0, to: plan.range.firstUncleanableOffset)
        var context = CleaningContext(
            map: OffsetMap(capacity: settings.offsetMapCapacity), now: now,
            newHorizon: now + plan.config.deleteRetentionMs, producers: producers,
            transactions: CleanedTransactions(aborted: aborted))
        var result = CleaningResult()

        // 1. The offset map of the dirty range, whole segments at a time.
        var mappedEnd = plan.range.firstDirtyOffset
        var mapTransactions: CleanedTransactions?
        for (index, segment) in plan.segments.enumerated() {
            let end = index + 1 < plan.segments.count ? plan.segments[index + 1].baseOffset : nextBase(after: segment)
            guard end > plan.range.firstDirtyOffset else { continue }
            guard segment.baseOffset < plan.range.firstUncleanableOffset else { break }
            // A full map stops at a segment boundary; the first dirty segment is always mapped.
            if context.map.isFull, mappedEnd > plan.range.firstDirtyOffset { break }
            var transactions =
                mapTransactions ?? CleanedTransactions(aborted: aborted.filter { $0.lastOffset >= segment.baseOffset })
            try Self.forEachBatch(in: segment, chunkBytes: settings.readChunkBytes, throttle: throttle) {
                header, batch in
                result.bytesRead += Int64(header.totalSize)
                // Markers have no keys to map; aborted data never supersedes anything.
                if header.isControl {
                    _ = transactions.onControlBatch(
                        header, type: ControlRecordType.of(batchIn: batch, at: batch.readerIndex))
                    return
                }
                guard !transactions.onDataBatch(header), header.lastOffset >= plan.range.firstDirtyOffset else {
                    return
                }
                try RecordBatchReader.forEachKey(in: batch) { offset, key in
                    if offset >= plan.range.firstDirtyOffset, let key { context.map.put(key, offset: offset) }
                }
            }
            mapTransactions = transactions
            mappedEnd = end
        }
        // Everything below the mapped end has been seen (the clean part in earlier passes).
        context.map.advance(to: mappedEnd - 1)

        // 2. Rewrite the segments below the mapped end, in groups that fit one segment.
        var earliestHorizon: Int64 = -1
        for group in Self.groups(of: plan.segments, below: mappedEnd, config: plan.config, nextBase: nextBase(after:)) {
            let cleaned = try writeCleaned(
                group, context: &context, settings: settings, throttle: throttle, result: &result)
            if cleaned.horizon >= 0 {
                earliestHorizon = earliestHorizon < 0 ? cleaned.horizon : min(earliestHorizon, cleaned.horizon)
            }
            try swapIn(cleaned.segment, replacing: group, aborted: cleaned.aborted)
            result.segmentsRewritten += group.count
        }
        result.cleanedThrough = mappedEnd
        let checkpoint = lock.withLock {
            cleanerCheckpoint = max(cleanerCheckpoint ?? 0, mappedEnd)
            nextDeleteHorizon = earliestHorizon
            return [cleanerCheckpoint ?? mappedEnd, earliestHorizon]
        }
        do {
            try OffsetCheckpointFile.write(checkpoint, name: OffsetCheckpointFile.cleaner, directory: directory, io: io)
        } catch {
            // Only costs a pass over the whole log after the next restart.
            logger.warning(
                "writing the cleaner checkpoint failed", metadata: ["directory": "\(directory)", "error": "\(error)"])
        }
        let elapsed = (ContinuousClock.now - started).components
        logger.info(
            "cleaned log",
            metadata: [
                "directory": "\(directory)", "segments": "\(result.segmentsRewritten)", "through": "\(mappedEnd)",
                "read": "\(result.bytesRead)", "written": "\(result.bytesWritten)",
                "records": "\(result.recordsRetained)/\(result.recordsRead)",
                "ms": "\(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000)",
            ])
        return result
    }

    /// The base offset of the segment after `segment` right now (its end).
    private func nextBase(after segment: LogSegment) -> Int64 {
        lock.withLock {
            guard let index = segments.firstIndex(where: { $0 === segment }), index + 1 < segments.count else {
                return segment.nextOffset
            }
            return segments[index + 1].baseOffset
        }
    }

    /// Consecutive segments below `end`, grouped so that each group's cleaned output fits one
    /// segment (by size and by 32-bit relative offsets), as Kafka groups them.
    static func groups(
        of segments: [LogSegment], below end: Int64, config: LogConfig, nextBase: (LogSegment) -> Int64
    ) -> [[LogSegment]] {
        var groups: [[LogSegment]] = []
        var current: [LogSegment] = []
        var size: Int64 = 0
        for segment in segments where segment.baseOffset < end && nextBase(segment) <= end {
            if let first = current.first,
                size + segment.size > Int64(config.segmentBytes)
                    || nextBase(segment) - first.baseOffset > Int64(Int32.max)
            {
                groups.append(current)
                current = []
                size = 0
            }
            current.append(segment)
            size += segment.size
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// Calls `body` with every whole batch of `segment`, reading it in chunks.
    static func forEachBatch(
        in segment: LogSegment, chunkBytes: Int, throttle: CleanerThrottle?,
        _ body: (RecordBatchHeader, ByteBuffer) throws -> Void
    ) throws {
        let end = segment.size
        var position: Int64 = 0
        while position < end {
            let chunk = try segment.log.read(at: position, count: Int(min(Int64(chunkBytes), end - position)))
            try throttle?.account(bytes: chunk.readableBytes)
            var index = chunk.readerIndex
            var consumed = 0
            while chunk.writerIndex - index >= RecordBatchLayout.headerSize {
                let header = try RecordBatchHeader(parsing: chunk, at: index)
                guard header.totalSize >= RecordBatchLayout.headerSize else {
                    throw StorageError.corrupt("batch of \(header.totalSize) bytes in \(segment.baseOffset)")
                }
                if header.totalSize > chunk.writerIndex - index {
                    if consumed == 0 {
                        // A batch larger than the chunk: read it alone.
                        let batch = try segment.log.read(at: position, count: header.totalSize)
                        try body(header, batch)
                        consumed = header.totalSize
                    }
                    break
                }
                try body(header, chunk.getSlice(at: index, length: header.totalSize)!)
                index += header.totalSize
                consumed += header.totalSize
            }
            guard consumed > 0 else { throw StorageError.corrupt("torn batch in segment \(segment.baseOffset)") }
            position += Int64(consumed)
        }
    }
}
