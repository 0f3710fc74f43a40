extension PartitionLog {
    /// Writes a producer snapshot at `offset` (the log end) between rolls and removes the previous
    /// such snapshot. Without it a crash would replay the whole active segment to rebuild producer
    /// state, while log recovery itself scans only the unindexed tail. Not fsynced, to keep the
    /// append path free of waits: a torn one fails its CRC and an older snapshot is used. Call
    /// with `appendLock` held.
    func replacePeriodicProducerSnapshot(at offset: Int64) {
        // Recovery starts after this snapshot and takes the aborted transactions before it from
        // the `.txnindex`: they must be on disk before the snapshot can be.
        if transactionIndexDirty {
            let base = lock.withLock { activeSegment.baseOffset }
            do {
                try TransactionIndex.sync(directory: directory, baseOffset: base, io: io)
                transactionIndexDirty = false
            } catch {
                logger.warning(
                    "fsync of the transaction index failed; no producer snapshot", metadata: ["error": "\(error)"])
                return
            }
        }
        let previous = periodicProducerSnapshot
        snapshotProducerState(at: offset, durable: false)
        periodicProducerSnapshot = offset
        if let previous, previous != offset {
            try? io.removeItem(atPath: ProducerStateSnapshot.path(directory: directory, offset: previous))
        }
    }
}
