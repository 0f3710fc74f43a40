import KafkaRecords
import NIOCore
import Testing

/// A batch assembled byte by byte from the documented layout, with the CRC computed by an
/// independent reference (Python `crc32c` package over bytes 21..end), not by this code.
@Suite struct GoldenBatchTests {
    static let referenceCRC: UInt32 = 0x8B3C_EE76

    static func goldenBytes(crc: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
        append(Int64(0))  // baseOffset
        append(Int32(78))  // batchLength
        append(Int32(-1))  // partitionLeaderEpoch
        append(Int8(2))  // magic
        append(crc)  // crc
        append(Int16(0))  // attributes
        append(Int32(1))  // lastOffsetDelta
        append(Int64(1_700_000_000_000))  // baseTimestamp
        append(Int64(1_700_000_000_005))  // maxTimestamp
        append(Int64(-1))  // producerId
        append(Int16(-1))  // producerEpoch
        append(Int32(-1))  // baseSequence
        append(Int32(2))  // recordCount
        // Record 0: length 12, attributes, tsDelta 0, offsetDelta 0, key "k", value "hello", 0 headers.
        bytes += [0x18, 0x00, 0x00, 0x00, 0x02, 0x6B, 0x0A] + Array("hello".utf8) + [0x00]
        // Record 1: length 15, tsDelta 5, offsetDelta 1, null key, value "world", header "h" = "v".
        bytes += [0x1E, 0x00, 0x0A, 0x02, 0x01, 0x0A] + Array("world".utf8) + [0x02, 0x02, 0x68, 0x02, 0x76]
        return bytes
    }

    @Test func crcOfHandAssembledBatchMatchesReference() {
        let bytes = Self.goldenBytes(crc: 0)
        #expect(bytes.count == 90)
        let crc = bytes.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[RecordBatchLayout.crcCoveredFrom...]))
        }
        #expect(crc == Self.referenceCRC)
    }

    @Test func handAssembledBatchValidatesAndDecodes() throws {
        let batch = buffer(Self.goldenBytes(crc: Self.referenceCRC))
        let header = try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20)[0].header
        #expect(header.crc == Self.referenceCRC && header.recordCount == 2 && header.lastOffset == 1)
        #expect(
            try RecordBatchReader.records(in: batch) == [
                Record(offsetDelta: 0, timestampDelta: 0, key: buffer("k"), value: buffer("hello")),
                Record(
                    offsetDelta: 1, timestampDelta: 5, key: nil, value: buffer("world"),
                    headers: [RecordHeader(key: "h", value: buffer("v"))]),
            ])
    }

    @Test func builderProducesTheSameBytes() {
        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
        builder.append(key: buffer("k"), value: buffer("hello"), timestamp: 1_700_000_000_000)
        builder.append(
            key: nil, value: buffer("world"), headers: [RecordHeader(key: "h", value: buffer("v"))],
            timestamp: 1_700_000_000_005)
        #expect(builder.build() == buffer(Self.goldenBytes(crc: Self.referenceCRC)))
    }
}
