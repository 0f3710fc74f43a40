import KafkaRecords
import NIOCore
import Testing

/// Golden bytes were written by an independent Python encoder (zlib.crc32 for the old formats,
/// the crc32c package for v2), not by the code under test.
@Suite struct LegacyMessageConversionTests {
    /// A stored v2 batch at offsets 5-6: ("k0","v0") at T, (null,"v1", header h=x) at T+7.
    static let stored =
        "000000000000000500000049ffffffff024197b7660000000000010000018bcfe568000000018bcfe56807ffffffffffff"
        + "ffffffffffffffff0000000214000000046b300476300018000e02010476310202680278"

    @Test func downConvertsToMagicOneWithOffsetsTimestampsAndNoHeaders() throws {
        let converted = try LegacyMessageConversion.downConvert(
            hexBytes(Self.stored), toMagic: 1, fromOffset: 5, maxBytes: 1 << 20)
        let expected =
            "00000000000000050000001a74aa514001000000018bcfe56800000000026b3000000002763000000000000000060000"
            + "0018436e157801000000018bcfe56807ffffffff000000027631"
        #expect(converted == hexBytes(expected))
    }

    @Test func downConvertsToMagicZeroWithoutTimestamps() throws {
        let converted = try LegacyMessageConversion.downConvert(
            hexBytes(Self.stored), toMagic: 0, fromOffset: 0, maxBytes: 1 << 20)
        let expected =
            "0000000000000005000000128697724c0000000000026b300000000276300000000000000006000000104c9f5bc20000"
            + "ffffffff000000027631"
        #expect(converted == hexBytes(expected))
    }

    @Test func downConversionSkipsRecordsBeforeTheFetchOffset() throws {
        let converted = try LegacyMessageConversion.downConvert(
            hexBytes(Self.stored), toMagic: 1, fromOffset: 6, maxBytes: 1 << 20)
        #expect(
            converted == hexBytes("000000000000000600000018436e157801000000018bcfe56807ffffffff000000027631"))
    }

    @Test func downConversionStopsBeforeMaxBytesButSendsTheFirstMessage() throws {
        var two = hexBytes(Self.stored)
        var second = RecordBatchBuilder(baseOffset: 7, baseTimestamp: 1)
        second.append(key: nil, value: buffer("later"), timestamp: 1)
        var secondBytes = second.build()
        two.writeBuffer(&secondBytes)
        func offsets(maxBytes: Int) throws -> [Int64] {
            let converted = try LegacyMessageConversion.downConvert(two, toMagic: 1, fromOffset: 0, maxBytes: maxBytes)
            #expect(converted.readableBytes <= max(maxBytes, 38))
            return try LegacyMessageSet.entries(converted).map(\.offset)
        }
        // Magic-1 entries here are 38, 36 and 39 bytes.
        #expect(try offsets(maxBytes: 1) == [5])
        #expect(try offsets(maxBytes: 74) == [5, 6])
        #expect(try offsets(maxBytes: 112) == [5, 6])
        #expect(try offsets(maxBytes: 113) == [5, 6, 7])
    }

    @Test func downConvertsCompressedBatchesAndMarksLogAppendTime() throws {
        var builder = RecordBatchBuilder(baseOffset: 10, baseTimestamp: 50, compression: .gzip)
        builder.append(key: buffer("a"), value: buffer("1"), timestamp: 50)
        builder.append(key: buffer("b"), value: buffer("2"), timestamp: 60)
        var batch = builder.build()
        RecordBatchEditor.setLogAppendTime(99, in: &batch, batchAt: 0)
        let messages = try LegacyMessageSet.entries(
            LegacyMessageConversion.downConvert(batch, toMagic: 1, fromOffset: 0, maxBytes: 1 << 20))
        #expect(messages.map(\.offset) == [10, 11])
        #expect(messages.map(\.timestamp) == [99, 99])
        #expect(messages.map(\.isLogAppendTime) == [true, true])
        #expect(messages.map(\.value) == [buffer("1"), buffer("2")])
    }

    @Test func upConvertsMagicOneToOneV2Batch() throws {
        let input =
            "00000000000000000000001a74aa514001000000018bcfe56800000000026b30000000027630000000000000000100000"
            + "018436e157801000000018bcfe56807ffffffff000000027631"
        let expected =
            "000000000000000000000045ffffffff02ae7c92760000000000010000018bcfe568000000018bcfe56807ffffffffffff"
            + "ffffffffffffffff0000000214000000046b300476300010000e020104763100"
        #expect(try LegacyMessageConversion.upConvert(hexBytes(input)) == hexBytes(expected))
    }

    @Test func upConvertsMagicZeroWithNoTimestampAndNulls() throws {
        let input =
            "000000000000000000000010a4ad201100000000000161000000016200000000000000000000000ea7ec68030000ffff"
            + "ffffffffffff"
        let expected =
            "000000000000000000000041ffffffff0252459270000000000001ffffffffffffffffffffffffffffffffffffffffff"
            + "ffffffffffffffffff000000021000000002610262000c000002010100"
        #expect(try LegacyMessageConversion.upConvert(hexBytes(input)) == hexBytes(expected))
    }

    @Test(arguments: [CompressionCodec.gzip, .snappy, .lz4])
    func upConvertOpensWrappersAndKeepsTheCodec(codec: CompressionCodec) throws {
        let wrapper = Self.wrapper(
            codec: codec, magic: 1, offset: 2,
            inner: [(0, 100, "x", "one"), (1, 101, nil, "two"), (2, 102, "z", "three")])
        let batch = try LegacyMessageConversion.upConvert(wrapper)
        let header = try RecordBatchHeader(parsing: batch, at: 0)
        #expect(header.compression == codec)
        #expect(try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20).count == 1)
        let records = try RecordBatchReader.records(in: batch)
        #expect(records.map { $0.timestamp(in: header) } == [100, 101, 102])
        #expect(records.map(\.value) == [buffer("one"), buffer("two"), buffer("three")])
        #expect(records.map(\.key) == [buffer("x"), nil, buffer("z")])
    }

    /// XXH32 (seed 0) reference vectors, and a magic-0 LZ4 wrapper whose header checksum is wrong
    /// (as Kafka's first LZ4 writer made it, KAFKA-3160) still opens; for magic 1 it is corrupt.
    @Test func magicZeroLZ4WithKafkasOldHeaderChecksumIsAccepted() throws {
        #expect(LZ4LegacyFrame.xxh32([]) == 0x02CC_5D05)
        #expect(LZ4LegacyFrame.xxh32(Array("a".utf8)) == 0x550D_7456)
        #expect(LZ4LegacyFrame.xxh32(Array("abc".utf8)) == 0x32D1_53FF)
        for magic: Int8 in [0, 1] {
            var wrapper = Self.wrapperMessage(
                codec: .lz4, magic: magic, offset: magic == 0 ? 5 : 1, inner: [(0, 1, "k", "a"), (1, 2, nil, "b")])
            var frame = try #require(wrapper.value)
            let checksumIndex = frame.readerIndex + 6  // magic number, FLG, BD: no content size here
            frame.setInteger(frame.getInteger(at: checksumIndex, as: UInt8.self)! ^ 0x5A, at: checksumIndex)
            wrapper.value = frame
            var bytes = ByteBuffer()
            wrapper.write(to: &bytes)
            if magic == 0 {
                let batch = try LegacyMessageConversion.upConvert(bytes)
                #expect(try RecordBatchReader.records(in: batch).map(\.value) == [buffer("a"), buffer("b")])
            } else {
                expectCorrupt(bytes)
            }
        }
    }

    @Test func logAppendTimeWrapperGivesItsTimestampToInnerMessages() throws {
        var wrapper = ByteBuffer()
        Self.wrapperMessage(
            codec: .gzip, magic: 1, offset: 1, timestamp: 777, logAppendTime: true,
            inner: [(0, 1, nil, "a"), (1, 2, nil, "b")]
        ).write(to: &wrapper)
        let batch = try LegacyMessageConversion.upConvert(wrapper)
        let header = try RecordBatchHeader(parsing: batch, at: 0)
        #expect(try RecordBatchReader.records(in: batch).map { $0.timestamp(in: header) } == [777, 777])
    }

    // MARK: bad input: every case is CORRUPT_MESSAGE (`.corrupt`).

    @Test func badCRCIsCorrupt() {
        var bytes = hexBytes("000000000000000000000010a4ad2011000000000001610000000162")
        bytes.setInteger(UInt8(0x63), at: bytes.writerIndex - 1)  // value "b" → "c", CRC unchanged
        #expect(throws: RecordBatchError.self) { try LegacyMessageConversion.upConvert(bytes) }
        expectCorrupt(bytes)
    }

    @Test func innerOffsetsThatAreNotRelativeAreCorrupt() {
        let wrapper = Self.wrapper(codec: .gzip, magic: 1, offset: 1, inner: [(0, 1, nil, "a"), (5, 2, nil, "b")])
        expectCorrupt(wrapper)
    }

    @Test func doublyNestedWrappersAreCorrupt() {
        var innerSet = ByteBuffer()
        Self.wrapperMessage(codec: .gzip, magic: 1, offset: 0, inner: [(0, 1, nil, "a")]).write(to: &innerSet)
        var outer = ByteBuffer()
        LegacyMessage(
            offset: 0, magic: 1, attributes: 1, timestamp: 1, key: nil,
            value: try? CompressionCodec.gzip.compress(innerSet)
        ).write(to: &outer)
        expectCorrupt(outer)
    }

    @Test(arguments: [Int8(3), 7, -1])
    func unknownMagicIsCorrupt(magic: Int8) {
        var bytes = hexBytes("000000000000000000000010a4ad2011000000000001610000000162")
        bytes.setInteger(magic, at: 16)
        expectCorrupt(bytes)
    }

    @Test func truncatedAndOversizedEntriesAreCorrupt() {
        let whole = hexBytes("000000000000000000000010a4ad2011000000000001610000000162")
        expectCorrupt(whole.getSlice(at: 0, length: whole.readableBytes - 1)!)
        var longer = whole
        longer.setInteger(Int32(1000), at: 8)
        expectCorrupt(longer)
        expectCorrupt(ByteBuffer())
    }

    private func expectCorrupt(_ bytes: ByteBuffer, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try LegacyMessageConversion.upConvert(bytes)
            Issue.record("accepted bad input", sourceLocation: sourceLocation)
        } catch {
            guard case .corrupt = error else {
                Issue.record("expected .corrupt, got \(error)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    typealias Inner = (offset: Int64, timestamp: Int64, key: String?, value: String?)

    static func wrapperMessage(
        codec: CompressionCodec, magic: Int8, offset: Int64, timestamp: Int64 = 0, logAppendTime: Bool = false,
        inner: [Inner]
    ) -> LegacyMessage {
        var set = ByteBuffer()
        for message in inner {
            LegacyMessage(
                offset: message.offset, magic: magic, timestamp: message.timestamp,
                key: message.key.map { buffer($0) }, value: message.value.map { buffer($0) }
            ).write(to: &set)
        }
        let attributes = Int8(codec.rawValue) | (logAppendTime ? LegacyMessageLayout.timestampTypeMask : 0)
        return LegacyMessage(
            offset: offset, magic: magic, attributes: attributes, timestamp: timestamp, key: nil,
            value: try? codec.compress(set))
    }

    static func wrapper(codec: CompressionCodec, magic: Int8, offset: Int64, inner: [Inner]) -> ByteBuffer {
        var bytes = ByteBuffer()
        wrapperMessage(codec: codec, magic: magic, offset: offset, inner: inner).write(to: &bytes)
        return bytes
    }
}
