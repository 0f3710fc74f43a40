import KafkaRecords

extension PartitionLog {
    /// The first record whose timestamp is ≥ `timestamp` (ListOffsets by time), or nil if none is.
    /// Skips whole segments by their largest timestamp, starts inside a segment at the time index
    /// floor, scans batch headers by max timestamp, then finds the exact record in the batch
    /// (decompressing it when it is compressed).
    public func offset(forTimestamp timestamp: Int64) throws -> (offset: Int64, timestamp: Int64)? {
        try lock.withLock {
            try checkOpen()
            for segment in segments where segment.maxTimestamp >= timestamp && segment.size > 0 {
                if let found = try firstRecord(atOrAfter: timestamp, in: segment) { return found }
            }
            return nil
        }
    }

    /// The record with the largest timestamp (ListOffsets -3), or nil for an empty log.
    public func maxTimestampEntry() throws -> (offset: Int64, timestamp: Int64)? {
        try lock.withLock {
            try checkOpen()
            guard let newest = segments.filter({ $0.size > 0 }).max(by: { $0.maxTimestamp < $1.maxTimestamp }),
                newest.maxTimestamp >= 0
            else { return nil }
            return try firstRecord(atOrAfter: newest.maxTimestamp, in: newest)
        }
    }

    /// Call with `lock` held.
    private func firstRecord(atOrAfter timestamp: Int64, in segment: LogSegment) throws
        -> (offset: Int64, timestamp: Int64)?
    {
        // Every record up to the time-index floor's offset is older than `timestamp`.
        let startOffset = try segment.timeIndex.lastEntry(before: timestamp).map { $0.offset + 1 } ?? segment.baseOffset
        let start = try segment.offsetIndex.floor(offset: startOffset).position
        var reader = BatchHeaderReader(file: segment.log, fileEnd: segment.size)
        var position = start
        while let header = try reader.header(at: position) {
            if header.maxTimestamp >= timestamp {
                if header.timestampType == .logAppendTime {
                    return (header.baseOffset, header.maxTimestamp)
                }
                let batch = try segment.log.read(at: position, count: header.totalSize)
                if let found = try RecordBatchReader.firstOffset(atOrAfter: timestamp, in: batch) {
                    return found
                }
            }
            position += Int64(header.totalSize)
        }
        return nil
    }
}
