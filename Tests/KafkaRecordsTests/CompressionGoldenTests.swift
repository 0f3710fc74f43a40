import KafkaRecords
import NIOCore
import Testing

/// Batches compressed by a real client: kafka-python 3.0's `DefaultRecordBatchBuilder`
/// (magic 2, codecs from python-snappy / lz4 / zstandard / gzip), three records each with
/// key "key-i", value "value-i-<codec>" four times, header h = "vi", timestamp base + i.
@Suite struct CompressionGoldenTests {
    static let batches: [CompressionCodec: String] = [
        .gzip:
            "00000000000000000000008900000000028d9a7de60001000000020000018bcfe568000000018bcfe56802ffffffffffffffffffffffffffff000000031f8b08007172076b02ff6b60646060e0ca4eadd43548284bcc294dd535d04dafca2c2086cdc494c15266d0c0c8c0c40436c1106a8221924afc6cb0098640135858c02618414d304252899f0d36c10800b407dd0dc6000000",
        .snappy:
            "00000000000000000000009d0000000002403eefb80002000000020000018bcfe568000000018bcfe56802ffffffffffffffffffffffffffff0000000382534e4150505900000000010000000100000058de016490010000000a6b65792d307076616c75652d302d736e61707079a60e00280202680476309001000202054a00310d4a0031324a008e0e00054a14319001000404054a00320d4a0032324a008e0e0014020268047632",
        .lz4:
            "00000000000000000000009a0000000002c2a718f40003000000020000018bcfe568000000018bcfe56802ffffffffffffffffffffffffffff0000000304224d186840b7000000000000008752000000ff07780000000a6b65792d305876616c75652d302d6c7a340b000ea1020268047630780002023d0013313d0016313d000f0b0008013d005131780004043d0013323d0016323d000f0b00086002026804763200000000",
        .zstd:
            "000000000000000000000085000000000213f6d8e30004000000020000018bcfe568000000018bcfe56802ffffffffffffffffffffffffffff0000000328b52ffd20c65d0200340380010000000a6b65792d306076616c75652d302d7a7374640202680476308001000202313131800100040432320202680476320a00400088071c0302e05a200c44064e1441f03c59c6",
    ]

    @Test(arguments: compressedCodecs)
    func kafkaPythonBatchDecodes(codec: CompressionCodec) throws {
        let batch = hexBytes(try #require(Self.batches[codec]))
        let header = try #require(try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20).first?.header)
        #expect(header.compression == codec)
        #expect(header.recordCount == 3)
        let records = try RecordBatchReader.records(in: batch)
        #expect(records.count == 3)
        for (index, record) in records.enumerated() {
            let value = String(repeating: "value-\(index)-\(codec.name)", count: 4)
            #expect(record.offset(in: header) == Int64(index))
            #expect(record.timestamp(in: header) == 1_700_000_000_000 + Int64(index))
            #expect(record.key == ByteBuffer(string: "key-\(index)"))
            #expect(record.value == ByteBuffer(string: value))
            #expect(record.headers == [RecordHeader(key: "h", value: ByteBuffer(string: "v\(index)"))])
        }
    }

    @Test(arguments: compressedCodecs)
    func kafkaPythonBatchRecompressesToEveryCodec(codec: CompressionCodec) throws {
        let batch = hexBytes(try #require(Self.batches[codec]))
        for target in CompressionCodec.allCases {
            let rewritten = try RecordBatchRecompressor.recompress(batch, to: target)
            _ = try RecordBatchValidator.validate(rewritten, maxBatchBytes: 1 << 20)
            #expect(try RecordBatchReader.records(in: rewritten) == (try RecordBatchReader.records(in: batch)))
        }
    }
}
