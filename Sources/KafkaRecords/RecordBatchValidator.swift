import NIOCore

/// A batch that passed `RecordBatchValidator`.
public struct ValidatedBatch: Sendable, Equatable {
    public var header: RecordBatchHeader
    /// The batch's bytes as absolute indices of the validated buffer
    /// (`buffer.getSlice(at: range.lowerBound, length: range.count)`).
    public var range: Range<Int>

    public init(header: RecordBatchHeader, range: Range<Int>) {
        self.header = header
        self.range = range
    }
}

/// Checks record batches arriving from a client before they are appended to a log.
public enum RecordBatchValidator {
    /// Validates the readable bytes of `buffer`, which must be one or more whole batches
    /// (the records of one partition in a produce request), and returns them in order.
    ///
    /// Per batch, in this order: at least 61 bytes and a `batchLength` that fits the buffer
    /// (else `.corrupt`), size at most `maxBatchBytes` (else `.tooLarge`), magic 2 and a known
    /// compression codec (else `.corrupt`), CRC-32C (else `.corrupt`), `recordCount >= 1` and
    /// `lastOffsetDelta == recordCount - 1` (else `.invalidRecord`). For uncompressed batches
    /// every record is walked as well: length prefix, varints, offset delta equal to the
    /// record's index, key, value, headers, and the records fill the batch exactly (else
    /// `.invalidRecord`). Compressed batches are decompressed (a payload that does not decode,
    /// or inflates beyond `CompressionCodec.defaultDecompressionLimit`, is `.corrupt`) and their
    /// records walked the same way.
    /// An empty buffer is `.invalidRecord`. Never traps, whatever the bytes.
    public static func validate(_ buffer: ByteBuffer, maxBatchBytes: Int) throws(RecordBatchError) -> [ValidatedBatch] {
        let result = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> [ValidatedBatch] in
                try validate(bytes, maxBatchBytes: maxBatchBytes, indexBase: buffer.readerIndex)
            }
        }
        return try result.get()
    }

    private static func validate(
        _ bytes: UnsafeRawBufferPointer, maxBatchBytes: Int, indexBase: Int
    ) throws(RecordBatchError) -> [ValidatedBatch] {
        guard !bytes.isEmpty else { throw .invalidRecord("no record batch") }
        var batches: [ValidatedBatch] = []
        var position = 0
        while position < bytes.count {
            let header = try validateBatch(bytes, at: position, maxBatchBytes: maxBatchBytes)
            let size = header.totalSize
            batches.append(
                ValidatedBatch(header: header, range: (indexBase + position)..<(indexBase + position + size)))
            position += size
        }
        return batches
    }

    /// Checks the framing of one stored batch (e.g. while recovering a log segment): the batch
    /// at absolute index `index` is whole within the readable bytes, magic 2, a known codec,
    /// and its CRC matches. Records are not walked and empty (compacted) batches are accepted.
    /// A batch cut short by the end of the buffer (a torn write at a segment's tail) is
    /// `.truncated`, distinct from `.corrupt` bytes.
    public static func validateStoredBatch(
        in buffer: ByteBuffer, at index: Int, maxBatchBytes: Int = Int(Int32.max)
    ) throws(RecordBatchError) -> RecordBatchHeader {
        guard index >= buffer.readerIndex, index <= buffer.writerIndex - RecordBatchLayout.headerSize else {
            throw .truncated
        }
        let batchLength = buffer.getInteger(at: index + RecordBatchLayout.batchLengthOffset, as: Int32.self)!
        if Int(batchLength) + RecordBatchLayout.logOverhead > buffer.writerIndex - index { throw .truncated }
        let result = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> RecordBatchHeader in
                try validateFraming(bytes, at: index - buffer.readerIndex, maxBatchBytes: maxBatchBytes)
            }
        }
        return try result.get()
    }

    /// Validates the batch starting at `start`; returns its header.
    private static func validateBatch(
        _ bytes: UnsafeRawBufferPointer, at start: Int, maxBatchBytes: Int
    ) throws(RecordBatchError) -> RecordBatchHeader {
        let header = try validateFraming(bytes, at: start, maxBatchBytes: maxBatchBytes)
        guard header.recordCount >= 1 else {
            throw .invalidRecord("batch has record count \(header.recordCount)")
        }
        guard Int64(header.lastOffsetDelta) == Int64(header.recordCount) - 1 else {
            throw .invalidRecord(
                "last offset delta \(header.lastOffsetDelta) does not match record count \(header.recordCount)")
        }
        if header.compression == .none {
            try RecordWalker.walk(
                bytes, from: start + RecordBatchLayout.recordsOffset, to: start + header.totalSize,
                recordCount: header.recordCount, requireSequentialOffsets: true
            ) { _ throws(RecordBatchError) in true }
        } else {
            try validateCompressedRecords(bytes, at: start, header: header)
        }
        return header
    }

    /// Decompresses the records section (bounded, so a bomb is `.corrupt` rather than an
    /// exhausted heap) and walks it with the same checks as an uncompressed batch, as Kafka does.
    private static func validateCompressedRecords(
        _ bytes: UnsafeRawBufferPointer, at start: Int, header: RecordBatchHeader
    ) throws(RecordBatchError) {
        let stored = UnsafeRawBufferPointer(
            rebasing: bytes[(start + RecordBatchLayout.recordsOffset)..<(start + header.totalSize)])
        let records = try header.compression.decompress(
            bytes: stored, sizeHint: stored.count * 4, limit: CompressionCodec.defaultDecompressionLimit)
        let result = records.withUnsafeReadableBytes { section in
            Result { () throws(RecordBatchError) in
                try RecordWalker.walk(
                    section, from: 0, to: section.count, recordCount: header.recordCount,
                    requireSequentialOffsets: true
                ) { _ throws(RecordBatchError) in true }
            }
        }
        try result.get()
    }

    /// Size, length, magic, codec and CRC checks of the batch at `start`; returns its header.
    private static func validateFraming(
        _ bytes: UnsafeRawBufferPointer, at start: Int, maxBatchBytes: Int
    ) throws(RecordBatchError) -> RecordBatchHeader {
        let available = bytes.count - start
        guard available >= RecordBatchLayout.headerSize else {
            throw .corrupt("\(available) trailing bytes are too few for a record batch")
        }
        let header = RecordBatchHeader(unsafeBytes: bytes, at: start)
        let minimumLength = RecordBatchLayout.headerSize - RecordBatchLayout.logOverhead
        guard Int(header.batchLength) >= minimumLength else {
            throw .corrupt("batch length \(header.batchLength) is below the minimum \(minimumLength)")
        }
        let size = header.totalSize
        guard size <= maxBatchBytes else { throw .tooLarge(size) }
        guard size <= available else {
            throw .corrupt("batch of \(size) bytes but only \(available) bytes remain")
        }
        guard header.magic == RecordBatchLayout.currentMagic else {
            throw .corrupt("unsupported magic \(header.magic)")
        }
        let codec = header.attributes & RecordBatchLayout.compressionCodecMask
        guard CompressionCodec(rawValue: Int(codec)) != nil else {
            throw .corrupt("unknown compression codec \(codec)")
        }
        let covered = UnsafeRawBufferPointer(
            rebasing: bytes[(start + RecordBatchLayout.crcCoveredFrom)..<(start + size)])
        let computed = CRC32C.checksum(covered)
        guard computed == header.crc else {
            throw .corrupt("CRC mismatch: stored \(header.crc), computed \(computed)")
        }
        return header
    }
}
