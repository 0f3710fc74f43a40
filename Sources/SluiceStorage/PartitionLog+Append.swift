import KafkaRecords
import NIOCore

extension PartitionLog {
    /// Appends `batchCount` whole, already validated v2 batches (back to back in `batches`).
    ///
    /// Assigns consecutive offsets from the log end by rewriting each batch's base offset — the
    /// batch bytes are not copied: the write gathers "new 8-byte base offset" + "rest of the
    /// batch" per batch. With `timestampType == .logAppendTime` each batch is stamped with `now`
    /// (this edits the batch bytes, and its CRC). Rolls the active segment first when the append
    /// would take it past `segment.bytes` or it is older than `segment.ms`. On a write error
    /// (e.g. `noSpace`) the partial bytes are cut away and the error is thrown; the log is unchanged.
    ///
    /// Batches of idempotent producers (producer id ≥ 0) are checked first, in order, against the
    /// producer state: a fenced epoch throws `invalidProducerEpoch`, a sequence gap
    /// `outOfOrderSequence` (nothing is written), and a retry of one of a producer's last five
    /// batches writes nothing and returns the original offsets with `isDuplicate`.
    public func append(_ batches: ByteBuffer, batchCount: Int, now: Int64) throws -> AppendResult {
        // Appends are serialized by `appendLock`; the state lock is held only to read and to
        // publish state, so reads proceed while the batch bytes are being written.
        try appendLock.withLock {
            let (config, firstOffset) = try lock.withLock {
                try checkOpen()
                return (configStorage, activeSegment.nextOffset)
            }
            let stampsAppendTime = config.timestampType == .logAppendTime
            var batches = batches
            var placements: [BatchPlacement] = []
            placements.reserveCapacity(batchCount)
            var starts: [Int] = []
            starts.reserveCapacity(batchCount)

            // Offsets and sizes from the headers only.
            var position = batches.readerIndex
            var nextOffset = firstOffset
            var totalBytes = 0
            // Producer entries this append changes; kept only once it is published.
            var updatedProducers: [Int64: ProducerStateEntry] = [:]
            // Transactions this append opens or ends move the last stable offset.
            var transactionsChanged = false
            var aborted: [AbortedTransaction] = []
            for _ in 0..<batchCount {
                var header = try parseHeader(batches, at: position)
                let maxTimestamp = stampsAppendTime ? now : header.maxTimestamp
                if header.producerId >= 0 {
                    switch try producerStateStorage.check(
                        header, firstOffset: nextOffset, maxTimestamp: maxTimestamp, pending: updatedProducers)
                    {
                    case .append(let entry):
                        let before =
                            (updatedProducers[header.producerId] ?? producerStateStorage.entries[header.producerId])?
                            .currentTxnFirstOffset
                        if before != entry.currentTxnFirstOffset { transactionsChanged = true }
                        if header.isControl, let before,
                            ControlRecordType.of(batchIn: batches, at: position) == .abort
                        {
                            aborted.append(
                                AbortedTransaction(
                                    producerId: header.producerId, firstOffset: before, lastOffset: nextOffset,
                                    lastStableOffset: -1))
                        }
                        updatedProducers[header.producerId] = entry
                    case .duplicate(let original):
                        // Like Kafka: the whole append is answered with the original's offsets.
                        return AppendResult(
                            firstOffset: original.firstOffset, lastOffset: original.lastOffset, logAppendTime: -1,
                            logStartOffset: lock.withLock { logStartOffsetStorage }, isDuplicate: true)
                    }
                }
                if stampsAppendTime {
                    RecordBatchEditor.setLogAppendTime(now, in: &batches, batchAt: position)
                    header.maxTimestamp = now
                }
                let lastOffset = nextOffset + Int64(header.lastOffsetDelta)
                placements.append(
                    BatchPlacement(
                        baseOffset: nextOffset, lastOffset: lastOffset, maxTimestamp: header.maxTimestamp,
                        size: header.totalSize))
                starts.append(position)
                position += header.totalSize
                totalBytes += header.totalSize
                nextOffset = lastOffset + 1
            }
            guard let first = placements.first, let last = placements.last else {
                throw StorageError.corrupt("append of no batches")
            }

            let segment = try lock.withLock {
                if activeSegment.mustRoll(adding: totalBytes, lastOffset: last.lastOffset, now: now, config: config) {
                    try roll()
                }
                return activeSegment
            }
            try segment.writeBatches(gatherParts(batches, starts: starts, placements: placements))
            let result = try lock.withLock {
                try segment.publish(placements, indexIntervalBytes: config.indexIntervalBytes, now: now)
                if !updatedProducers.isEmpty { producerStateStorage.commit(updatedProducers) }
                if transactionsChanged { firstUnstableOffsetStorage = producerStateStorage.firstUnstableOffset }
                for index in aborted.indices {
                    aborted[index].lastStableOffset = firstUnstableOffsetStorage ?? (last.lastOffset + 1)
                }
                abortedTransactionsStorage += aborted
                return AppendResult(
                    firstOffset: first.baseOffset, lastOffset: last.lastOffset,
                    logAppendTime: stampsAppendTime ? now : -1, logStartOffset: logStartOffsetStorage)
            }
            if !aborted.isEmpty {
                do {
                    try TransactionIndex.append(aborted, directory: directory, baseOffset: segment.baseOffset, io: io)
                    transactionIndexDirty = true
                } catch {
                    // The entries are in memory; recovery rebuilds the file from the markers.
                    logger.warning("writing the transaction index failed", metadata: ["error": "\(error)"])
                }
            }
            bytesSinceProducerSnapshot += totalBytes
            if bytesSinceProducerSnapshot >= producerSnapshotIntervalBytes {
                replacePeriodicProducerSnapshot(at: last.lastOffset + 1)
            }
            return result
        }
    }

    private func parseHeader(_ batches: ByteBuffer, at position: Int) throws -> RecordBatchHeader {
        do {
            let header = try RecordBatchHeader(parsing: batches, at: position)
            guard position + header.totalSize <= batches.writerIndex, header.lastOffsetDelta >= 0 else {
                throw StorageError.corrupt("batch at \(position) runs past the appended bytes")
            }
            return header
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.corrupt("unreadable batch header at \(position): \(error)")
        }
    }

    /// The write vector: per batch, its new base offset (8 bytes, from one shared buffer) followed
    /// by a slice of the rest of the batch (no copy: slices share the caller's storage).
    private func gatherParts(_ batches: ByteBuffer, starts: [Int], placements: [BatchPlacement]) -> [ByteBuffer] {
        var offsets = ByteBufferAllocator().buffer(capacity: placements.count * 8)
        for placement in placements { offsets.writeInteger(placement.baseOffset) }
        var parts: [ByteBuffer] = []
        parts.reserveCapacity(placements.count * 2)
        for (index, placement) in placements.enumerated() {
            parts.append(offsets.getSlice(at: offsets.readerIndex + index * 8, length: 8)!)
            parts.append(batches.getSlice(at: starts[index] + 8, length: placement.size - 8)!)
        }
        return parts
    }
}
