extension PartitionLog {
    /// Returns when every byte up to and including `offset` is fsynced. Concurrent callers share
    /// fsyncs through the `Flusher` (group commit).
    public func flush(through offset: Int64) async throws {
        let covered = try lock.withLock {
            try checkOpen()
            return offset < durableOffset
        }
        if covered { return }
        try await flusher.sync(self)
    }

    /// Called by the flusher thread: fsyncs the active segment's log outside the lock (segments
    /// that were rolled are fsynced at roll time) and then advances `durableOffset`.
    func syncForFlusher() throws {
        let (file, target) = try lock.withLock {
            try checkOpen()
            return (activeSegment.log, activeSegment.nextOffset)
        }
        try file.fsync()
        lock.withLock { durableOffset = max(durableOffset, target) }
    }
}
