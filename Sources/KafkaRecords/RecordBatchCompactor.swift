import NIOCore

/// What log compaction keeps of one stored batch.
public enum CompactedBatch: Sendable {
    /// Every record stays and no header field changes: the original bytes are kept.
    case unchanged
    /// Some records were dropped (or the delete horizon was set): the batch rebuilt.
    case rewritten(ByteBuffer)
    /// No record stays and nothing about the batch needs keeping.
    case removed
}

/// One record as the cleaner's retention rule sees it.
public struct CompactionCandidate {
    /// Absolute offset.
    public var offset: Int64
    /// Nil for a null key. Points into the batch (or its decompressed copy): valid only during
    /// the `retain` call.
    public var key: UnsafeRawBufferPointer?
    /// A null value: a delete marker for its key.
    public var isTombstone: Bool
}

/// Rewrites stored batches for log compaction, keeping what Kafka's cleaner keeps of a batch:
/// base offset, last offset delta (so an idempotent producer's last sequence still lines up),
/// producer id, epoch and base sequence, leader epoch, flags, timestamp type and codec.
public enum RecordBatchCompactor {
    /// Filters the batch at the start of `batch` through `retain`.
    ///
    /// - `newDeleteHorizonMs`: set when this pass may start the tombstone clock. If a retained
    ///   record is a tombstone and the batch has no delete horizon yet, the rebuilt batch gets
    ///   the horizon flag and carries the horizon in its base timestamp (KIP-534); record
    ///   timestamp deltas are recomputed so that every record keeps its absolute timestamp.
    /// - `keepEmptyHeader`: when no record is retained, keep a record-less batch header anyway
    ///   (the producer's last batch, whose sequence the broker must still know after a restart).
    ///
    /// Control batches are never passed here by the cleaner; should one be, it is kept unchanged
    /// (see `settingDeleteHorizon`).
    public static func compact(
        _ batch: ByteBuffer, newDeleteHorizonMs: Int64?, keepEmptyHeader: Bool,
        retain: (CompactionCandidate) -> Bool
    ) throws(RecordBatchError) -> CompactedBatch {
        let (header, records) = try RecordBatchReader.recordsSection(of: batch)
        if header.isControl { return .unchanged }
        let walked = try retainedRecords(header: header, records: records, retain: retain)
        if walked.retained.isEmpty {
            return keepEmptyHeader ? .rewritten(emptyBatch(like: header)) : .removed
        }
        let setsHorizon = walked.hasTombstone && !header.hasDeleteHorizon && newDeleteHorizonMs != nil
        if walked.retained.count == Int(header.recordCount) && !setsHorizon { return .unchanged }
        let baseTimestamp = setsHorizon ? newDeleteHorizonMs! : header.baseTimestamp
        return .rewritten(
            rebuild(header: header, records: walked.retained, baseTimestamp: baseTimestamp, horizon: setsHorizon))
    }

    /// The batch at the start of `batch` (a transaction marker the cleaner may remove) with its
    /// delete horizon set to `horizonMs`: the horizon flag, the horizon as base timestamp, every
    /// record kept with its absolute timestamp (KIP-534).
    public static func settingDeleteHorizon(of batch: ByteBuffer, to horizonMs: Int64) throws(RecordBatchError)
        -> ByteBuffer
    {
        let (header, records) = try RecordBatchReader.recordsSection(of: batch)
        let walked = try retainedRecords(header: header, records: records) { _ in true }
        return rebuild(header: header, records: walked.retained, baseTimestamp: horizonMs, horizon: true)
    }

    /// Walks the records, keeping the ones `retain` accepts.
    private static func retainedRecords(
        header: RecordBatchHeader, records section: ByteBuffer, retain: (CompactionCandidate) -> Bool
    ) throws(RecordBatchError) -> (retained: [Record], hasTombstone: Bool) {
        let result = section.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> (retained: [Record], hasTombstone: Bool) in
                var kept: [Record] = []
                var hasTombstone = false
                try RecordWalker.walk(
                    bytes, from: 0, to: bytes.count, recordCount: header.recordCount, requireSequentialOffsets: false
                ) { raw throws(RecordBatchError) in
                    let candidate = CompactionCandidate(
                        offset: header.baseOffset &+ Int64(raw.offsetDelta),
                        key: raw.key.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }, isTombstone: raw.value == nil)
                    guard retain(candidate) else { return true }
                    hasTombstone = hasTombstone || raw.value == nil
                    var headers: [RecordHeader] = []
                    for (headerKey, value) in try RecordWalker.decodeHeaders(bytes, raw) {
                        headers.append(
                            RecordHeader(
                                key: String(
                                    decoding: UnsafeRawBufferPointer(rebasing: bytes[headerKey]), as: UTF8.self),
                                value: value.map {
                                    section.getSlice(at: section.readerIndex + $0.lowerBound, length: $0.count)!
                                }))
                    }
                    kept.append(
                        Record(
                            offsetDelta: raw.offsetDelta, timestampDelta: raw.timestampDelta,
                            key: raw.key.map {
                                section.getSlice(at: section.readerIndex + $0.lowerBound, length: $0.count)!
                            },
                            value: raw.value.map {
                                section.getSlice(at: section.readerIndex + $0.lowerBound, length: $0.count)!
                            },
                            headers: headers))
                    return true
                }
                return (kept, hasTombstone)
            }
        }
        return try result.get()
    }

    /// A batch of `records` with the original header's identity, compressed with its codec.
    private static func rebuild(
        header: RecordBatchHeader, records: [Record], baseTimestamp: Int64, horizon: Bool
    ) -> ByteBuffer {
        var builder = RecordBatchBuilder(
            baseOffset: header.baseOffset, baseTimestamp: baseTimestamp, producerId: header.producerId,
            producerEpoch: header.producerEpoch, baseSequence: header.baseSequence,
            isTransactional: header.isTransactional, isControl: header.isControl,
            partitionLeaderEpoch: header.partitionLeaderEpoch, compression: header.compression)
        for var record in records {
            // Absolute timestamps stay as they were when the base timestamp becomes the horizon.
            record.timestampDelta = header.baseTimestamp &+ record.timestampDelta &- baseTimestamp
            builder.append(record)
        }
        var batch = builder.build()
        var attributes = batch.getInteger(at: RecordBatchLayout.attributesOffset, as: Int16.self)!
        attributes |=
            header.attributes & (RecordBatchLayout.timestampTypeMask | RecordBatchLayout.deleteHorizonFlagMask)
        if horizon { attributes |= RecordBatchLayout.deleteHorizonFlagMask }
        batch.setInteger(attributes, at: RecordBatchLayout.attributesOffset)
        // The last offset (and so the last sequence) of the original batch is kept.
        batch.setInteger(header.lastOffsetDelta, at: RecordBatchLayout.lastOffsetDeltaOffset)
        if header.timestampType == .logAppendTime {
            batch.setInteger(header.maxTimestamp, at: RecordBatchLayout.maxTimestampOffset)
        }
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        return batch
    }

    /// A batch header with no records: it keeps the producer's offsets and sequence range. No
    /// delete horizon: with no record left there is nothing for one to time (as Kafka's empty
    /// headers), and its base timestamp is the max timestamp again.
    public static func emptyBatch(like header: RecordBatchHeader) -> ByteBuffer {
        let empty = RecordBatchHeader(
            baseOffset: header.baseOffset,
            batchLength: Int32(RecordBatchLayout.headerSize - RecordBatchLayout.logOverhead),
            partitionLeaderEpoch: header.partitionLeaderEpoch, magic: RecordBatchLayout.currentMagic, crc: 0,
            attributes: header.attributes
                & ~(RecordBatchLayout.compressionCodecMask | RecordBatchLayout.deleteHorizonFlagMask),
            lastOffsetDelta: header.lastOffsetDelta, baseTimestamp: header.maxTimestamp,
            maxTimestamp: header.maxTimestamp, producerId: header.producerId, producerEpoch: header.producerEpoch,
            baseSequence: header.baseSequence, recordCount: 0)
        var batch = ByteBufferAllocator().buffer(capacity: RecordBatchLayout.headerSize)
        empty.write(to: &batch)
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        return batch
    }
}
