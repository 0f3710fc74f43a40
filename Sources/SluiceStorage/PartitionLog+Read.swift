import KafkaRecords
import KafkaWire

extension PartitionLog {
    /// Most remembered reader positions; sequential consumers hit them instead of rescanning.
    static let maxReadPositions = 64

    /// Whole batches starting with the one that holds `offset`, up to `maxBytes`, from one segment,
    /// as one contiguous slice. If the first batch alone exceeds `maxBytes` it is returned anyway
    /// when `minOneBatch`, otherwise nothing is. `offset == logEndOffset` gives no records;
    /// offsets outside `[logStartOffset, logEndOffset]` throw `offsetOutOfRange`.
    /// With `committedOnly` (read_committed) no batch at or past the last stable offset is returned.
    public func read(from offset: Int64, maxBytes: Int, minOneBatch: Bool, committedOnly: Bool = false) throws
        -> ReadResult
    {
        try lock.withLock {
            try checkOpen()
            let logEnd = activeSegment.nextOffset
            let logStart = logStartOffsetStorage
            guard offset >= logStart, offset <= logEnd else {
                throw StorageError.offsetOutOfRange(requested: offset, logStart: logStart, logEnd: logEnd)
            }
            let stable = firstUnstableOffsetStorage ?? logEnd
            let records = try readRecords(
                from: offset, maxBytes: maxBytes, minOneBatch: minOneBatch, before: committedOnly ? stable : logEnd)
            return ReadResult(
                records: records, highWatermark: logEnd, logStartOffset: logStart, lastStableOffset: stable)
        }
    }

    /// Call with `lock` held.
    private func readRecords(from offset: Int64, maxBytes: Int, minOneBatch: Bool, before stop: Int64) throws
        -> RecordsPayload?
    {
        guard offset < stop else { return nil }
        var segmentIndex = segmentIndex(containing: offset)
        while segmentIndex < segments.count {
            let segment = segments[segmentIndex]
            let hint = readPositions[offset].flatMap { $0.segmentBase == segment.baseOffset ? $0.position : nil }
            guard let (start, header) = try segment.locate(offset: offset, hint: hint) else {
                // The offset is past this segment's batches: continue in the next segment.
                segmentIndex += 1
                continue
            }
            var limit = start + Int64(max(maxBytes, 0))
            // The batch holding `stop` (the last stable offset) starts there: read no further.
            var stopPosition = Int64.max
            if stop < segment.nextOffset, let (position, _) = try segment.locate(offset: stop, hint: nil) {
                stopPosition = position
                limit = min(limit, position)
            }
            var (end, next) = try segment.lastBatchBoundary(
                from: start, notAfter: limit, nextOffsetAtStart: header.baseOffset)
            if end == start {
                guard minOneBatch, start + Int64(header.totalSize) <= stopPosition else { return nil }
                end = start + Int64(header.totalSize)
                next = header.lastOffset + 1
            }
            rememberReadPosition(next: next, segment: segment, position: end)
            return try segment.log.slice(offset: start, count: Int(end - start))
        }
        return nil
    }

    /// Index of the last segment whose base offset is ≤ `offset` (binary search).
    func segmentIndex(containing offset: Int64) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].baseOffset <= offset { low = mid + 1 } else { high = mid }
        }
        return max(low - 1, 0)
    }

    private func rememberReadPosition(next: Int64, segment: LogSegment, position: Int64) {
        // A position at the very end of a non-active segment is the next segment's start.
        guard position < segment.size || segment === activeSegment else { return }
        if readPositions.count >= Self.maxReadPositions { readPositions.removeAll(keepingCapacity: true) }
        readPositions[next] = (segment.baseOffset, position)
    }
}
