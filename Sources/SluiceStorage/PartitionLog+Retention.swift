extension PartitionLog {
    /// Deletes whole old segments — never the active one — whose newest record is older than
    /// `retention.ms`, then oldest segments while the log exceeds `retention.bytes`. Advances the
    /// log start offset. Returns how many segments were deleted.
    public func enforceRetention(now: Int64) throws -> Int {
        try lock.withLock {
            try checkOpen()
            let config = configStorage
            // A compact-only topic keeps its data however old or large (cleanup.policy=compact).
            guard config.deletesByRetention else { return 0 }
            var deletable = 0
            // By time: a prefix of segments whose largest timestamp is too old (a segment without
            // timestamps is never too old, unless it is empty).
            if config.retentionMs >= 0 {
                // An empty old segment (compaction can leave one) holds nothing to keep.
                while deletable < segments.count - 1,
                    segments[deletable].size == 0
                        || (segments[deletable].maxTimestamp >= 0
                            && now - segments[deletable].maxTimestamp > config.retentionMs)
                {
                    deletable += 1
                }
            }
            // By size: keep deleting the oldest while what remains is still over the limit.
            if config.retentionBytes >= 0 {
                var remaining = segments[deletable...].reduce(Int64(0)) { $0 + $1.size }
                while deletable < segments.count - 1, remaining - segments[deletable].size >= config.retentionBytes {
                    remaining -= segments[deletable].size
                    deletable += 1
                }
            }
            guard deletable > 0 else { return 0 }
            try deleteOldestSegments(deletable, reason: "retention")
            return deletable
        }
    }

    /// DeleteRecords: makes `offset` the log start offset (when it is above the current one)
    /// and deletes the whole segments below it; the start offset is saved, so it survives a
    /// restart. `offset` -1 means the high watermark. Returns the new log start offset.
    public func deleteRecords(before offset: Int64) throws -> Int64 {
        try lock.withLock {
            try checkOpen()
            let logEnd = activeSegment.nextOffset
            let target = offset == -1 ? logEnd : offset
            guard target >= 0, target <= logEnd else {
                throw StorageError.offsetOutOfRange(requested: offset, logStart: logStartOffsetStorage, logEnd: logEnd)
            }
            guard target > logStartOffsetStorage else { return logStartOffsetStorage }
            try OffsetCheckpointFile.write([target], name: OffsetCheckpointFile.logStart, directory: directory, io: io)
            logStartOffsetStorage = target
            var deletable = 0
            while deletable < segments.count - 1, segments[deletable + 1].baseOffset <= target { deletable += 1 }
            if deletable > 0 { try deleteOldestSegments(deletable, reason: "DeleteRecords") }
            return logStartOffsetStorage
        }
    }

    /// Removes the `count` oldest segments (never the active one). Call with `lock` held.
    private func deleteOldestSegments(_ count: Int, reason: String) throws {
        let doomed = segments[..<count]
        segments.removeFirst(count)
        logStartOffsetStorage = max(logStartOffsetStorage, segments[0].baseOffset)
        let doomedBases = Set(doomed.map(\.baseOffset))
        readPositions = readPositions.filter { !doomedBases.contains($0.value.segmentBase) }
        for segment in doomed {
            logger.info(
                "deleting segment",
                metadata: ["directory": "\(directory)", "segment": "\(segment.baseOffset)", "reason": "\(reason)"])
            try segment.delete(io: io)
        }
    }
}
