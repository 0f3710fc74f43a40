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

    /// Calls `completion` once every byte up to and including `offset` is fsynced: at once when it
    /// already is, else on the flusher thread (group commit, as `flush(through:)`).
    public func flush(through offset: Int64, completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        let covered: Bool
        do {
            covered = try lock.withLock {
                try checkOpen()
                return offset < durableOffset
            }
        } catch {
            completion(.failure(error))
            return
        }
        if covered { return completion(.success(())) }
        flusher.sync(self, completion: completion)
    }

    /// The flusher also fsyncs the index files once the log grew this much since it last did, so
    /// that recovery after a crash re-reads at most about this much plus the unflushed tail.
    static let indexSyncIntervalBytes: Int64 = 4 << 20

    /// Called by the flusher thread: fsyncs the active segment's log outside the lock (segments
    /// that were rolled are fsynced at roll time) and then advances `durableOffset`.
    func syncForFlusher() throws {
        let (segment, target, size, syncIndexes) = try lock.withLock {
            try checkOpen()
            let segment = activeSegment
            let syncIndexes = segment.size - segment.logSizeAtIndexSync >= Self.indexSyncIntervalBytes
            return (segment, segment.nextOffset, segment.size, syncIndexes)
        }
        try segment.log.fsync()
        if syncIndexes {
            try segment.offsetIndex.file.fsync()
            try segment.timeIndex.file.fsync()
            lock.withLock { segment.logSizeAtIndexSync = max(segment.logSizeAtIndexSync, size) }
        }
        lock.withLock { durableOffset = max(durableOffset, target) }
    }
}
