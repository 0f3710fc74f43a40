import KafkaRecords
import Logging
import NIOCore

extension LogSegment {
    /// Opens an existing segment without reading its log. A missing index file is created empty
    /// and `needsIndexRebuild` tells the caller to rebuild it with `loadTail` (a header-only scan).
    static func open(directory: String, baseOffset: Int64, io: any FileIO) throws
        -> (segment: LogSegment, needsIndexRebuild: Bool)
    {
        func path(_ suffix: String) -> String {
            SegmentFileNames.path(directory: directory, baseOffset: baseOffset, suffix: suffix)
        }
        let offsetIndexMissing = !io.fileExists(atPath: path(SegmentFileNames.offsetIndexSuffix))
        let timeIndexMissing = !io.fileExists(atPath: path(SegmentFileNames.timeIndexSuffix))
        let log = try io.openFile(atPath: path(SegmentFileNames.logSuffix), create: false)
        let offsetFile = try io.openFile(atPath: path(SegmentFileNames.offsetIndexSuffix), create: true)
        let timeFile = try io.openFile(atPath: path(SegmentFileNames.timeIndexSuffix), create: true)
        let rebuild = offsetIndexMissing || timeIndexMissing
        if rebuild {
            // Both indexes are rebuilt together from one scan.
            try offsetFile.truncate(to: 0)
            try timeFile.truncate(to: 0)
        }
        let segment = LogSegment(
            baseOffset: baseOffset, directory: directory, log: log,
            offsetIndex: OffsetIndex(baseOffset: baseOffset, file: offsetFile, loaded: false),
            timeIndex: TimeIndex(baseOffset: baseOffset, file: timeFile, loaded: false),
            size: try log.size())
        if let last = try segment.timeIndex.lastEntry() {
            segment.maxTimestamp = last.timestamp
            segment.offsetOfMaxTimestamp = last.offset
        }
        return (segment, rebuild)
    }

    /// Establishes the segment's end by scanning only its unindexed tail: loads the indexes
    /// (cutting partial entries and entries past the log end), starts at the last index entry
    /// that really points at a batch with its offset, and walks batch headers to the end.
    /// With `verifyChecksums` (recovery after an unclean shutdown) each batch is read whole and its
    /// CRC32C checked. The log is truncated at the first torn or invalid batch and index entries
    /// are added for the scanned part. Returns the number of log bytes cut off.
    @discardableResult
    func loadTail(indexIntervalBytes: Int, verifyChecksums: Bool) throws -> Int64 {
        let fileSize = try log.size()
        try offsetIndex.load(logSize: fileSize)
        var reader = BatchHeaderReader(file: log, fileEnd: fileSize)

        // Find a trustworthy starting point, stepping back past entries that do not match.
        var kept = try offsetIndex.count
        var start: Int64 = 0
        var expected = baseOffset
        while kept > 0 {
            let entry = try offsetIndex.entry(at: kept - 1)
            if let header = try reader.header(at: entry.position), header.baseOffset == entry.offset {
                start = entry.position
                expected = entry.offset
                break
            }
            kept -= 1
        }
        try offsetIndex.truncate(toCount: kept)

        // Phase 1: find the valid end.
        var placements: [BatchPlacement] = []
        var position = start
        while let header = try reader.header(at: position) {
            guard header.baseOffset >= expected, header.lastOffsetDelta >= 0 else { break }
            if verifyChecksums {
                let batch = try log.read(at: position, count: header.totalSize)
                let covered = batch.getSlice(
                    at: batch.readerIndex + RecordBatchLayout.crcCoveredFrom,
                    length: header.totalSize - RecordBatchLayout.crcCoveredFrom)
                guard let covered, CRC32C.checksum(covered) == header.crc else { break }
            }
            placements.append(
                BatchPlacement(
                    baseOffset: header.baseOffset, lastOffset: header.lastOffset,
                    maxTimestamp: header.maxTimestamp, size: header.totalSize))
            position += Int64(header.totalSize)
            expected = header.lastOffset + 1
        }
        let truncated = fileSize - position
        if truncated > 0 { try log.truncate(to: position) }

        // Phase 2: rebuild the in-memory state and the index tail for the valid part.
        try timeIndex.load(nextOffset: expected)
        let lastTimeEntry = try timeIndex.lastEntry()
        maxTimestamp = lastTimeEntry?.timestamp ?? -1
        offsetOfMaxTimestamp = lastTimeEntry?.offset ?? -1
        nextOffset = placements.first?.baseOffset ?? expected
        resetIndexInterval()
        var at = start
        for placement in placements {
            try record(placement, at: at, indexIntervalBytes: indexIntervalBytes)
            at += Int64(placement.size)
        }
        nextOffset = expected
        size = position
        try offsetIndex.writePending()
        try timeIndex.writePending()
        if rollingTimestamp == nil, size > 0, let first = try reader.header(at: 0), first.maxTimestamp >= 0 {
            rollingTimestamp = first.maxTimestamp
        }
        return truncated
    }
}
