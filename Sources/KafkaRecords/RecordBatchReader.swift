import NIOCore

/// Reads the records of a stored or received batch, decompressing the records section of a
/// compressed one (a corrupt or oversized compressed payload throws `.corrupt`).
public enum RecordBatchReader {
    /// Decodes the records of the batch at the start of `batch`'s readable bytes (bytes after
    /// that batch are ignored). Keys, values and header values are slices sharing `batch`'s
    /// storage (or, for a compressed batch, the decompressed copy). Does not check the CRC (run `RecordBatchValidator` for untrusted bytes).
    /// Offset deltas must increase but may have gaps (compacted batches).
    public static func records(in batch: ByteBuffer) throws(RecordBatchError) -> [Record] {
        let (header, section) = try recordsSection(of: batch)
        let result = section.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> [Record] in
                var records: [Record] = []
                // Every record takes at least 7 bytes; cap the reservation for hostile counts.
                records.reserveCapacity(min(Int(header.recordCount), bytes.count / 7))
                try RecordWalker.walk(
                    bytes, from: 0, to: bytes.count,
                    recordCount: header.recordCount, requireSequentialOffsets: false
                ) { raw throws(RecordBatchError) in
                    var headers: [RecordHeader] = []
                    headers.reserveCapacity(raw.headerCount)
                    for (key, value) in try RecordWalker.decodeHeaders(bytes, raw) {
                        let keyText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[key]), as: UTF8.self)
                        headers.append(RecordHeader(key: keyText, value: slice(section, value)))
                    }
                    records.append(
                        Record(
                            offsetDelta: raw.offsetDelta, timestampDelta: raw.timestampDelta,
                            key: slice(section, raw.key), value: slice(section, raw.value), headers: headers))
                    return true
                }
                return records
            }
        }
        return try result.get()
    }

    /// Calls `body` with the absolute offset and the key bytes (nil for a null key) of every
    /// record of the batch at the start of `batch`, without building `Record` values: the log
    /// cleaner's fast path over millions of records. The key pointer is valid only during the call.
    public static func forEachKey(
        in batch: ByteBuffer, _ body: (Int64, UnsafeRawBufferPointer?) -> Void
    ) throws(RecordBatchError) {
        let (header, section) = try recordsSection(of: batch)
        let result = section.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) in
                try RecordWalker.walk(
                    bytes, from: 0, to: bytes.count, recordCount: header.recordCount, requireSequentialOffsets: false
                ) { raw in
                    body(
                        header.baseOffset &+ Int64(raw.offsetDelta),
                        raw.key.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) })
                    return true
                }
            }
        }
        try result.get()
    }

    /// The first record of the batch at the start of `batch` whose timestamp is at least
    /// `timestamp`, as its absolute offset and timestamp; nil when the batch has none
    /// (decided from the header's `maxTimestamp` without reading records, as Kafka does).
    ///
    /// With `logAppendTime` every record's timestamp is `maxTimestamp`, so the first record
    /// matches (for compressed batches its offset is taken as `baseOffset`). Compressed
    /// `createTime` batches whose `maxTimestamp` qualifies are decompressed and walked.
    public static func firstOffset(
        atOrAfter timestamp: Int64, in batch: ByteBuffer
    ) throws(RecordBatchError) -> (offset: Int64, timestamp: Int64)? {
        let header = try RecordBatchHeader(parsing: batch, at: batch.readerIndex)
        guard header.maxTimestamp >= timestamp, header.recordCount > 0 else { return nil }
        if header.timestampType == .logAppendTime, header.compression != .none {
            return (header.baseOffset, header.maxTimestamp)
        }
        let (_, section) = try recordsSection(of: batch)
        let result = section.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> (offset: Int64, timestamp: Int64)? in
                var found: (offset: Int64, timestamp: Int64)?
                try RecordWalker.walk(
                    bytes, from: 0, to: bytes.count,
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

    /// The header of the batch at the start of `batch` and its records section, decompressed
    /// when the batch is compressed, ready to be walked from its first readable byte.
    public static func recordsSection(
        of batch: ByteBuffer, decompressionLimit: Int = CompressionCodec.defaultDecompressionLimit
    ) throws(RecordBatchError) -> (header: RecordBatchHeader, records: ByteBuffer) {
        let header = try checkedHeader(of: batch)
        let stored = batch.getSlice(
            at: batch.readerIndex + RecordBatchLayout.recordsOffset,
            length: header.totalSize - RecordBatchLayout.recordsOffset)!
        let records = try header.compression.decompress(
            stored, sizeHint: stored.readableBytes * 4, limit: decompressionLimit)
        return (header, records)
    }

    /// Parses the header at the start of `batch` and checks the batch is whole and magic 2,
    /// so its records section can be read.
    private static func checkedHeader(of batch: ByteBuffer) throws(RecordBatchError) -> RecordBatchHeader {
        let header = try RecordBatchHeader(parsing: batch, at: batch.readerIndex)
        guard header.magic == RecordBatchLayout.currentMagic else {
            throw .corrupt("unsupported magic \(header.magic)")
        }
        guard header.totalSize >= RecordBatchLayout.headerSize else {
            throw .corrupt("batch length \(header.batchLength) is below the minimum")
        }
        guard header.totalSize <= batch.readableBytes else { throw .truncated }
        return header
    }

    /// A slice of `batch` for `range` (relative to its reader index), nil for a null field.
    private static func slice(_ batch: ByteBuffer, _ range: Range<Int>?) -> ByteBuffer? {
        guard let range else { return nil }
        return batch.getSlice(at: batch.readerIndex + range.lowerBound, length: range.count)
    }
}
