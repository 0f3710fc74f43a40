import KafkaRecords
import NIOCore
import Testing

@Suite struct RecordBatchHeaderTests {
    static let header = RecordBatchHeader(
        baseOffset: 0x0102_0304_0506_0708, batchLength: 49, partitionLeaderEpoch: 7, magic: 2,
        crc: 0xDEAD_BEEF, attributes: 0x0003 | 0x0008 | 0x0010 | 0x0020 | 0x0040, lastOffsetDelta: 4,
        baseTimestamp: -2, maxTimestamp: 99, producerId: 1234, producerEpoch: 5, baseSequence: 6,
        recordCount: 5)

    @Test func writesSixtyOneBytesAtTheDocumentedOffsets() {
        var bytes = ByteBuffer()
        Self.header.write(to: &bytes)
        #expect(bytes.readableBytes == RecordBatchLayout.headerSize)
        #expect(bytes.getInteger(at: 0, as: Int64.self) == 0x0102_0304_0506_0708)
        #expect(bytes.getInteger(at: 8, as: Int32.self) == 49)
        #expect(bytes.getInteger(at: 12, as: Int32.self) == 7)
        #expect(bytes.getInteger(at: 16, as: Int8.self) == 2)
        #expect(bytes.getInteger(at: 17, as: UInt32.self) == 0xDEAD_BEEF)
        #expect(bytes.getInteger(at: 21, as: Int16.self) == 0x7B)
        #expect(bytes.getInteger(at: 23, as: Int32.self) == 4)
        #expect(bytes.getInteger(at: 27, as: Int64.self) == -2)
        #expect(bytes.getInteger(at: 35, as: Int64.self) == 99)
        #expect(bytes.getInteger(at: 43, as: Int64.self) == 1234)
        #expect(bytes.getInteger(at: 51, as: Int16.self) == 5)
        #expect(bytes.getInteger(at: 53, as: Int32.self) == 6)
        #expect(bytes.getInteger(at: 57, as: Int32.self) == 5)
    }

    @Test func parsesWhatItWrites() throws {
        var bytes = ByteBuffer(string: "junk")
        Self.header.write(to: &bytes)
        let parsed = try RecordBatchHeader(parsing: bytes, at: 4)
        #expect(parsed == Self.header)
    }

    @Test func derivedProperties() {
        let header = Self.header
        #expect(header.lastOffset == 0x0102_0304_0506_070C)
        #expect(header.totalSize == 61)
        #expect(header.compression == .lz4)
        #expect(header.timestampType == .logAppendTime)
        #expect(header.isTransactional)
        #expect(header.isControl)
        #expect(header.hasDeleteHorizon)

        var plain = header
        plain.attributes = 0
        #expect(plain.compression == CompressionCodec.none)
        #expect(plain.timestampType == .createTime)
        #expect(!plain.isTransactional && !plain.isControl && !plain.hasDeleteHorizon)
    }

    @Test func parsingNeedsSixtyOneReadableBytes() {
        var bytes = ByteBuffer()
        Self.header.write(to: &bytes)
        bytes.moveWriterIndex(to: 60)
        #expect(throws: RecordBatchError.truncated) { try RecordBatchHeader(parsing: bytes, at: 0) }
        #expect(throws: RecordBatchError.truncated) { try RecordBatchHeader(parsing: bytes, at: -1) }
        var shifted = ByteBuffer()
        Self.header.write(to: &shifted)
        shifted.moveReaderIndex(forwardBy: 1)
        #expect(throws: RecordBatchError.truncated) { try RecordBatchHeader(parsing: shifted, at: 0) }
    }

    @Test func parsingRejectsUnknownCompressionCodec() {
        var header = Self.header
        header.attributes = 5
        var bytes = ByteBuffer()
        header.write(to: &bytes)
        #expect(throws: RecordBatchError.corrupt("unknown compression codec 5")) {
            try RecordBatchHeader(parsing: bytes, at: 0)
        }
    }
}
