import NIOCore

/// Compression codec of a batch (attribute bits 0-2).
public enum CompressionCodec: Int, Sendable, CaseIterable {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4
}

/// Meaning of a batch's timestamps (attribute bit 3).
public enum TimestampType: Sendable, Equatable {
    /// Timestamps set by the producer.
    case createTime
    /// Timestamps set by the broker on append; every record's timestamp is `maxTimestamp`.
    case logAppendTime
}

/// The fixed 61-byte header of a RecordBatch (magic 2). See `RecordBatchLayout`.
public struct RecordBatchHeader: Sendable, Equatable {
    public var baseOffset: Int64
    /// Bytes of the batch after this field: `totalSize - 12`.
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: Int16
    public var lastOffsetDelta: Int32
    /// Timestamp that record timestamp deltas are relative to (the delete horizon when
    /// `hasDeleteHorizon`).
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordCount: Int32

    /// Builds a header from its fields; `crc` is whatever the caller has computed.
    public init(
        baseOffset: Int64, batchLength: Int32, partitionLeaderEpoch: Int32, magic: Int8 = 2,
        crc: UInt32, attributes: Int16, lastOffsetDelta: Int32, baseTimestamp: Int64,
        maxTimestamp: Int64, producerId: Int64, producerEpoch: Int16, baseSequence: Int32,
        recordCount: Int32
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }

    /// Reads the header of the batch starting at absolute index `index` of `buffer`.
    ///
    /// Needs 61 readable bytes at `index` (else `.truncated`). Checks nothing else except that the
    /// compression codec is a known one (else `.corrupt`), so `compression` is always
    /// meaningful; magic, length and CRC are `RecordBatchValidator`'s job.
    public init(parsing buffer: ByteBuffer, at index: Int) throws(RecordBatchError) {
        guard index >= buffer.readerIndex, index <= buffer.writerIndex - RecordBatchLayout.headerSize else {
            throw .truncated
        }
        let header = buffer.withUnsafeReadableBytes { raw -> RecordBatchHeader in
            RecordBatchHeader(unsafeBytes: raw, at: index - buffer.readerIndex)
        }
        guard header.attributes & RecordBatchLayout.compressionCodecMask <= 4 else {
            throw .corrupt("unknown compression codec \(header.attributes & RecordBatchLayout.compressionCodecMask)")
        }
        self = header
    }

    /// Reads the header at `offset` of `bytes`; the caller guarantees 61 bytes are there.
    init(unsafeBytes bytes: UnsafeRawBufferPointer, at offset: Int) {
        self.init(
            baseOffset: bytes.readBigEndian(Int64.self, at: offset + RecordBatchLayout.baseOffsetOffset),
            batchLength: bytes.readBigEndian(Int32.self, at: offset + RecordBatchLayout.batchLengthOffset),
            partitionLeaderEpoch: bytes.readBigEndian(
                Int32.self, at: offset + RecordBatchLayout.partitionLeaderEpochOffset),
            magic: bytes.readBigEndian(Int8.self, at: offset + RecordBatchLayout.magicOffset),
            crc: bytes.readBigEndian(UInt32.self, at: offset + RecordBatchLayout.crcOffset),
            attributes: bytes.readBigEndian(Int16.self, at: offset + RecordBatchLayout.attributesOffset),
            lastOffsetDelta: bytes.readBigEndian(Int32.self, at: offset + RecordBatchLayout.lastOffsetDeltaOffset),
            baseTimestamp: bytes.readBigEndian(Int64.self, at: offset + RecordBatchLayout.baseTimestampOffset),
            maxTimestamp: bytes.readBigEndian(Int64.self, at: offset + RecordBatchLayout.maxTimestampOffset),
            producerId: bytes.readBigEndian(Int64.self, at: offset + RecordBatchLayout.producerIdOffset),
            producerEpoch: bytes.readBigEndian(Int16.self, at: offset + RecordBatchLayout.producerEpochOffset),
            baseSequence: bytes.readBigEndian(Int32.self, at: offset + RecordBatchLayout.baseSequenceOffset),
            recordCount: bytes.readBigEndian(Int32.self, at: offset + RecordBatchLayout.recordCountOffset))
    }

    /// Appends the 61 header bytes (with `crc` as stored in this value) to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(baseOffset)
        buffer.writeInteger(batchLength)
        buffer.writeInteger(partitionLeaderEpoch)
        buffer.writeInteger(magic)
        buffer.writeInteger(crc)
        buffer.writeInteger(attributes)
        buffer.writeInteger(lastOffsetDelta)
        buffer.writeInteger(baseTimestamp)
        buffer.writeInteger(maxTimestamp)
        buffer.writeInteger(producerId)
        buffer.writeInteger(producerEpoch)
        buffer.writeInteger(baseSequence)
        buffer.writeInteger(recordCount)
    }

    /// Offset of the last record: `baseOffset + lastOffsetDelta`.
    public var lastOffset: Int64 { baseOffset &+ Int64(lastOffsetDelta) }

    /// Size of the whole batch in bytes: `batchLength + 12`.
    public var totalSize: Int { Int(batchLength) + RecordBatchLayout.logOverhead }

    /// Offset the next batch after this one starts at.
    public var nextOffset: Int64 { lastOffset &+ 1 }

    /// Compression codec of the records section (`.none` only if the bits say 0; parsing and
    /// validation reject unknown codec ids).
    public var compression: CompressionCodec {
        CompressionCodec(rawValue: Int(attributes & RecordBatchLayout.compressionCodecMask)) ?? .none
    }

    public var timestampType: TimestampType {
        attributes & RecordBatchLayout.timestampTypeMask != 0 ? .logAppendTime : .createTime
    }

    public var isTransactional: Bool { attributes & RecordBatchLayout.transactionalFlagMask != 0 }

    /// A control batch carries transaction markers (commit / abort), not user records.
    public var isControl: Bool { attributes & RecordBatchLayout.controlFlagMask != 0 }

    /// Set by log compaction: `baseTimestamp` then holds the delete horizon.
    public var hasDeleteHorizon: Bool { attributes & RecordBatchLayout.deleteHorizonFlagMask != 0 }
}

extension UnsafeRawBufferPointer {
    /// Big-endian integer at `offset`; the caller has checked the bounds.
    @inline(__always)
    func readBigEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
