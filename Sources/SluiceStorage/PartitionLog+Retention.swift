extension PartitionLog {
    /// Deletes whole old segments — never the active one — whose newest record is older than
    /// `retention.ms`, then oldest segments while the log exceeds `retention.bytes`. Advances the
    /// log start offset. Returns how many segments were deleted.
    public func enforceRetention(now: Int64) throws -> Int {
        try lock.withLock {
            try checkOpen()
            let config = configStorage
            var deletable = 0
            // By time: a prefix of segments whose largest timestamp is too old (a segment without
            // timestamps is never too old).
            if config.retentionMs >= 0 {
                while deletable < segments.count - 1, segments[deletable].maxTimestamp >= 0,
                    now - segments[deletable].maxTimestamp > config.retentionMs
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
            let doomed = segments[..<deletable]
            segments.removeFirst(deletable)
            logStartOffsetStorage = max(logStartOffsetStorage, segments[0].baseOffset)
            let doomedBases = Set(doomed.map(\.baseOffset))
            readPositions = readPositions.filter { !doomedBases.contains($0.value.segmentBase) }
            for segment in doomed {
                logger.info(
                    "deleting segment by retention",
                    metadata: ["directory": "\(directory)", "segment": "\(segment.baseOffset)"])
                try segment.delete(io: io)
            }
            return deletable
        }
    }
}
