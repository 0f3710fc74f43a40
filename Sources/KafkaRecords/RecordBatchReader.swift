import NIOCore

/// Reads the records of a stored or received batch. Uncompressed batches only for now:
/// compressed ones throw `.invalidRecord` naming the codec.
public enum RecordBatchReader {
    /// Decodes the records of the batch at the start of `batch`'s readable bytes (bytes after
    /// that batch are ignored). Keys, values and header values are slices sharing `batch`'s
    /// storage. Does not check the CRC (run `RecordBatchValidator` for untrusted bytes).
    /// Offset deltas must increase but may have gaps (compacted batches).
    public static func records(in batch: ByteBuffer) throws(RecordBatchError) -> [Record] {
        let header = try uncompressedHeader(of: batch)
        let result = batch.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> [Record] in
                var records: [Record] = []
                // Every record takes at least 7 bytes; cap the reservation for hostile counts.
                records.reserveCapacity(min(Int(header.recordCount), header.totalSize / 7))
                try RecordWalker.walk(
                    bytes, from: RecordBatchLayout.recordsOffset, to: header.totalSize,
                    recordCount: header.recordCount, requireSequentialOffsets: false
                ) { raw throws(RecordBatchError) in
                    var headers: [RecordHeader] = []
                    headers.reserveCapacity(raw.headerCount)
                    for (key, value) in try RecordWalker.decodeHeaders(bytes, raw) {
                        let keyText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[key]), as: UTF8.self)
                        headers.append(RecordHeader(key: keyText, value: slice(batch, value)))
                    }
                    records.append(
                        Record(
                            offsetDelta: raw.offsetDelta, timestampDelta: raw.timestampDelta,
                            key: slice(batch, raw.key), value: slice(batch, raw.value), headers: headers))
                    return true
                }
                return records
            }
        }
        return try result.get()
    }

    /// The first record of the batch at the start of `batch` whose timestamp is at least
    /// `timestamp`, as its absolute offset and timestamp; nil when the batch has none
    /// (decided from the header's `maxTimestamp` without reading records, as Kafka does).
    ///
    /// With `logAppendTime` every record's timestamp is `maxTimestamp`, so the first record
    /// matches (for compressed batches its offset is taken as `baseOffset`). Compressed
    /// `createTime` batches whose `maxTimestamp` qualifies throw `.invalidRecord`.
    public static func firstOffset(
        atOrAfter timestamp: Int64, in batch: ByteBuffer
    ) throws(RecordBatchError) -> (offset: Int64, timestamp: Int64)? {
        let header = try RecordBatchHeader(parsing: batch, at: batch.readerIndex)
        guard header.maxTimestamp >= timestamp, header.recordCount > 0 else { return nil }
        if header.timestampType == .logAppendTime, header.compression != .none {
            return (header.baseOffset, header.maxTimestamp)
        }
        _ = try uncompressedHeader(of: batch)
        let result = batch.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> (offset: Int64, timestamp: Int64)? in
                var found: (offset: Int64, timestamp: Int64)?
                try RecordWalker.walk(
                    bytes, from: RecordBatchLayout.recordsOffset, to: header.totalSize,
                    recordCount: header.recordCount, requireSequentialOffsets: false
                ) { raw throws(RecordBatchError) in
                    let record = Record(
                        offsetDelta: raw.offsetDelta, timestampDelta: raw.timestampDelta, key: nil, value: nil)
                    let recordTimestamp = record.timestamp(in: header)
                    if recordTimestamp >= timestamp {
                        found = (record.offset(in: header), recordTimestamp)
                        return false
                    }
                    return true
                }
                return found
            }
        }
        return try result.get()
    }

    /// Parses the header at the start of `batch` and checks the batch is whole, magic 2 and
    /// uncompressed, so its records section can be walked.
    private static func uncompressedHeader(of batch: ByteBuffer) throws(RecordBatchError) -> RecordBatchHeader {
        let header = try RecordBatchHeader(parsing: batch, at: batch.readerIndex)
        guard header.magic == RecordBatchLayout.currentMagic else {
            throw .corrupt("unsupported magic \(header.magic)")
        }
        guard header.totalSize >= RecordBatchLayout.headerSize else {
            throw .corrupt("batch length \(header.batchLength) is below the minimum")
        }
        guard header.totalSize <= batch.readableBytes else { throw .truncated }
        guard header.compression == .none else {
            throw .invalidRecord("cannot decode \(header.compression) compressed records yet")
        }
        return header
    }

    /// A slice of `batch` for `range` (relative to its reader index), nil for a null field.
    private static func slice(_ batch: ByteBuffer, _ range: Range<Int>?) -> ByteBuffer? {
        guard let range else { return nil }
        return batch.getSlice(at: batch.readerIndex + range.lowerBound, length: range.count)
    }
}
