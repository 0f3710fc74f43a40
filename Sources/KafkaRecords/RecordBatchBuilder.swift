import NIOCore

/// Builds a RecordBatch (magic 2) with a valid CRC, its records compressed with `compression`:
/// for tests, and for clients.
public struct RecordBatchBuilder: Sendable {
    public var baseOffset: Int64
    public var baseTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var isTransactional: Bool
    public var isControl: Bool
    public var partitionLeaderEpoch: Int32
    /// Codec of the records section (attribute bits 0-2); the CRC covers the compressed bytes.
    public var compression: CompressionCodec

    /// Encoded records appended so far.
    private var encodedRecords: ByteBuffer
    private var count: Int32 = 0
    private var lastOffsetDelta: Int32 = -1
    private var maxTimestamp: Int64 = .min

    /// `producerId`, `producerEpoch`, `baseSequence` and `partitionLeaderEpoch` default to -1
    /// (not idempotent, no leader epoch), as a plain producer sends them.
    public init(
        baseOffset: Int64 = 0, baseTimestamp: Int64, producerId: Int64 = -1, producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1, isTransactional: Bool = false, isControl: Bool = false,
        partitionLeaderEpoch: Int32 = -1, compression: CompressionCodec = .none,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) {
        self.baseOffset = baseOffset
        self.baseTimestamp = baseTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.isTransactional = isTransactional
        self.isControl = isControl
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.compression = compression
        self.encodedRecords = allocator.buffer(capacity: 256)
    }

    /// Number of records appended.
    public var recordCount: Int { Int(count) }

    /// Appends the next record (offset delta = number of records before it).
    public mutating func append(key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], timestamp: Int64) {
        append(
            Record(
                offsetDelta: lastOffsetDelta &+ 1, timestampDelta: timestamp &- baseTimestamp,
                key: key, value: value, headers: headers))
    }

    /// Appends the next record from byte arrays, without wrapping each field in a `ByteBuffer`
    /// first (the client's produce path).
    public mutating func append(
        keyBytes: [UInt8]?, valueBytes: [UInt8]?, headers: [(key: String, value: [UInt8]?)], timestamp: Int64
    ) {
        appendEncoded(
            offsetDelta: lastOffsetDelta &+ 1, timestampDelta: timestamp &- baseTimestamp, key: keyBytes,
            value: valueBytes, headers: headers)
    }

    /// Appends a record with its own deltas, e.g. to build a batch with offset gaps as log
    /// compaction leaves them. Deltas should increase; `lastOffsetDelta` becomes this one's.
    public mutating func append(_ record: Record) {
        appendEncoded(
            offsetDelta: record.offsetDelta, timestampDelta: record.timestampDelta, key: record.key,
            value: record.value, headers: record.headers.lazy.map { (key: $0.key, value: $0.value) })
    }

    private mutating func appendEncoded<Bytes: RecordFieldBytes, Headers: Collection>(
        offsetDelta: Int32, timestampDelta: Int64, key: Bytes?, value: Bytes?, headers: Headers
    ) where Headers.Element == (key: String, value: Bytes?) {
        let headerBytes = headers.reduce(varintSize(Int32(headers.count))) { total, header in
            let keyLength = header.key.utf8.count
            return total + varintSize(Int32(keyLength)) + keyLength + nullableBytesSize(header.value)
        }
        let bodySize =
            1 + varlongSize(timestampDelta) + varintSize(offsetDelta)
            + nullableBytesSize(key) + nullableBytesSize(value) + headerBytes
        encodedRecords.writeVarint(Int32(bodySize))
        encodedRecords.writeInteger(UInt8(0))  // record attributes: unused
        encodedRecords.writeVarlong(timestampDelta)
        encodedRecords.writeVarint(offsetDelta)
        writeNullableBytes(key)
        writeNullableBytes(value)
        encodedRecords.writeVarint(Int32(headers.count))
        for header in headers {
            encodedRecords.writeVarint(Int32(header.key.utf8.count))
            encodedRecords.writeString(header.key)
            writeNullableBytes(header.value)
        }
        count += 1
        lastOffsetDelta = offsetDelta
        maxTimestamp = max(maxTimestamp, baseTimestamp &+ timestampDelta)
    }

    /// The batch: header (with CRC) followed by the records. With no records appended it is an
    /// empty batch (recordCount 0, maxTimestamp -1), which `RecordBatchValidator` rejects.
    ///
    /// The codecs cannot fail on valid input; should one report an error anyway, the batch is
    /// built uncompressed rather than trapping.
    public func build() -> ByteBuffer {
        var attributes: Int16 = 0
        if isTransactional { attributes |= RecordBatchLayout.transactionalFlagMask }
        if isControl { attributes |= RecordBatchLayout.controlFlagMask }
        var records = encodedRecords
        if compression != .none, let compressed = try? compression.compress(encodedRecords) {
            records = compressed
            attributes |= Int16(compression.rawValue)
        }
        let header = RecordBatchHeader(
            baseOffset: baseOffset,
            batchLength: Int32(
                RecordBatchLayout.headerSize - RecordBatchLayout.logOverhead + records.readableBytes),
            partitionLeaderEpoch: partitionLeaderEpoch, magic: RecordBatchLayout.currentMagic, crc: 0,
            attributes: attributes, lastOffsetDelta: max(lastOffsetDelta, 0), baseTimestamp: baseTimestamp,
            maxTimestamp: count == 0 ? -1 : maxTimestamp, producerId: producerId,
            producerEpoch: producerEpoch, baseSequence: baseSequence, recordCount: count)
        var batch = ByteBufferAllocator().buffer(capacity: header.totalSize)
        header.write(to: &batch)
        batch.writeBuffer(&records)
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        return batch
    }

    private func nullableBytesSize<Bytes: RecordFieldBytes>(_ bytes: Bytes?) -> Int {
        guard let bytes else { return varintSize(-1) }
        return varintSize(Int32(bytes.fieldByteCount)) + bytes.fieldByteCount
    }

    private mutating func writeNullableBytes<Bytes: RecordFieldBytes>(_ bytes: Bytes?) {
        guard let bytes else {
            encodedRecords.writeVarint(-1)
            return
        }
        encodedRecords.writeVarint(Int32(bytes.fieldByteCount))
        bytes.writeField(to: &encodedRecords)
    }
}

/// What a record's key, value or header value can be written from.
protocol RecordFieldBytes {
    var fieldByteCount: Int { get }
    func writeField(to buffer: inout ByteBuffer)
}

extension ByteBuffer: RecordFieldBytes {
    var fieldByteCount: Int { readableBytes }
    func writeField(to buffer: inout ByteBuffer) { buffer.writeImmutableBuffer(self) }
}

extension Array: RecordFieldBytes where Element == UInt8 {
    var fieldByteCount: Int { count }
    func writeField(to buffer: inout ByteBuffer) { buffer.writeBytes(self) }
}
