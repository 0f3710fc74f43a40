import Logging

extension PartitionLog {
    /// Opens (or creates) the log in `directory`. Segments are found by their `.log` files; only the
    /// active segment's unindexed tail is read. Unless `cleanShutdown`, that tail is verified batch
    /// by batch (CRC32C, offsets) and cut at the first torn or invalid batch.
    public static func open(
        directory: String, topic: String, partition: Int32, config: LogConfig, io: any FileIO,
        flusher: Flusher, cleanShutdown: Bool, logger: Logger
    ) throws -> PartitionLog {
        try io.createDirectory(atPath: directory)
        try completeInterruptedSwaps(directory: directory, io: io, logger: logger)
        let baseOffsets = try io.listDirectory(atPath: directory)
            .compactMap(SegmentFileNames.baseOffset(ofLogFileName:))
            .sorted()
        var segments: [LogSegment] = []
        for baseOffset in baseOffsets {
            let (segment, needsRebuild) = try LogSegment.open(directory: directory, baseOffset: baseOffset, io: io)
            if needsRebuild {
                logger.warning(
                    "rebuilding missing index", metadata: ["directory": "\(directory)", "segment": "\(baseOffset)"])
                try segment.loadTail(indexIntervalBytes: config.indexIntervalBytes, verifyChecksums: false)
            }
            if let previous = segments.last {
                // The next segment's base offset is authoritative for where its predecessor ends.
                previous.nextOffset = baseOffset
            }
            segments.append(segment)
        }
        if segments.isEmpty {
            segments.append(try LogSegment.create(directory: directory, baseOffset: 0, io: io))
        } else {
            try recoverTail(
                &segments, directory: directory, config: config, io: io, verify: !cleanShutdown, logger: logger)
        }
        let (producerState, aborted) = try loadProducerState(
            segments: segments, directory: directory, io: io, logger: logger)
        let log = PartitionLog(
            directory: directory, topic: topic, partition: partition, config: config, io: io,
            flusher: flusher, logger: logger, segments: segments, producerState: producerState,
            abortedTransactions: aborted)
        let logEnd = segments[segments.count - 1].nextOffset
        if let saved = try OffsetCheckpointFile.read(
            name: OffsetCheckpointFile.logStart, count: 1, directory: directory, io: io)
        {
            log.logStartOffsetStorage = min(max(saved[0], segments[0].baseOffset), logEnd)
        }
        if let saved = try OffsetCheckpointFile.read(
            name: OffsetCheckpointFile.cleaner, count: 2, directory: directory, io: io), saved[0] <= logEnd
        {
            log.cleanerCheckpoint = saved[0]
            log.nextDeleteHorizon = saved[1]
        }
        return log
    }

    /// Loads the active segment's tail. When recovering and the active segment is empty (a roll
    /// just happened), the previous segment is checked too; segments that follow a truncation no
    /// longer continue the log and are dropped.
    private static func recoverTail(
        _ segments: inout [LogSegment], directory: String, config: LogConfig, io: any FileIO, verify: Bool,
        logger: Logger
    ) throws {
        var index = segments.count - 1
        while true {
            let segment = segments[index]
            let cut = try segment.loadTail(indexIntervalBytes: config.indexIntervalBytes, verifyChecksums: verify)
            if cut > 0 {
                logger.warning(
                    "truncated torn or invalid log tail",
                    metadata: [
                        "directory": "\(directory)", "segment": "\(segment.baseOffset)", "bytes": "\(cut)",
                        "logEndOffset": "\(segment.nextOffset)",
                    ])
            }
            let followers = segments[(index + 1)...]
            if let next = followers.first, next.baseOffset != segment.nextOffset {
                for dropped in followers {
                    logger.warning("dropping segment after truncation", metadata: ["segment": "\(dropped.baseOffset)"])
                    try dropped.delete(io: io)
                }
                segments.removeSubrange((index + 1)...)
            }
            guard verify, segment.size == 0, index > 0 else { return }
            index -= 1
        }
    }
}
