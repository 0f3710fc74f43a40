import KafkaRecords
import NIOCore
import Testing

@Suite struct RecordBatchBuilderTests {
    @Test func builtBatchPassesValidationWithExpectedHeader() throws {
        let batch = sampleBatch(baseOffset: 100, baseTimestamp: 1_000)
        let validated = try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20)
        #expect(validated.count == 1)
        let header = validated[0].header
        #expect(validated[0].range == 0..<batch.readableBytes)
        #expect(header.totalSize == batch.readableBytes)
        #expect(header.baseOffset == 100)
        #expect(header.lastOffset == 102)
        #expect(header.recordCount == 3)
        #expect(header.baseTimestamp == 1_000)
        #expect(header.maxTimestamp == 1_009)
        #expect(header.magic == 2)
        #expect(header.partitionLeaderEpoch == -1)
        #expect(header.producerId == -1 && header.producerEpoch == -1 && header.baseSequence == -1)
        #expect(header.compression == CompressionCodec.none && header.timestampType == .createTime)
        #expect(!header.isTransactional && !header.isControl)
    }

    @Test func recordsDecodeEqualToWhatWasBuilt() throws {
        let batch = sampleBatch(baseTimestamp: 1_000)
        let records = try RecordBatchReader.records(in: batch)
        #expect(
            records == [
                Record(offsetDelta: 0, timestampDelta: 0, key: buffer("k0"), value: buffer("v0")),
                Record(
                    offsetDelta: 1, timestampDelta: -5, key: nil, value: buffer("v1"),
                    headers: [RecordHeader(key: "trace", value: buffer("abc")), RecordHeader(key: "empty", value: nil)]),
                Record(offsetDelta: 2, timestampDelta: 9, key: buffer("k2"), value: nil),
            ])
    }

    @Test func producerFieldsAndFlagsAreWritten() throws {
        var builder = RecordBatchBuilder(
            baseOffset: 0, baseTimestamp: 5, producerId: 77, producerEpoch: 3, baseSequence: 10,
            isTransactional: true, isControl: true, partitionLeaderEpoch: 9)
        builder.append(key: nil, value: buffer("x"), timestamp: 5)
        let header = try RecordBatchValidator.validate(builder.build(), maxBatchBytes: 1 << 20)[0].header
        #expect(header.producerId == 77 && header.producerEpoch == 3 && header.baseSequence == 10)
        #expect(header.isTransactional && header.isControl)
        #expect(header.partitionLeaderEpoch == 9)
    }

    @Test func largeAndEmptyKeysValuesAndManyRecords() throws {
        let big = ByteBuffer(repeating: 0xAB, count: 70_000)  // multi-byte varint lengths
        var builder = RecordBatchBuilder(baseTimestamp: 0)
        builder.append(
            key: ByteBuffer(), value: big, headers: [RecordHeader(key: "", value: ByteBuffer())], timestamp: -1)
        for index in 1..<300 {
            builder.append(
                key: buffer("key-\(index)"), value: buffer("value-\(index)"), timestamp: Int64(index) * 1_000_000)
        }
        let batch = builder.build()
        let header = try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20)[0].header
        #expect(header.recordCount == 300 && header.lastOffsetDelta == 299)
        #expect(header.maxTimestamp == 299_000_000)
        let records = try RecordBatchReader.records(in: batch)
        #expect(records.count == 300)
        #expect(records[0].key == ByteBuffer() && records[0].value == big)
        #expect(records[0].headers == [RecordHeader(key: "", value: ByteBuffer())])
        #expect(records[0].timestampDelta == -1)
        #expect(records[299].value == buffer("value-299"))
        #expect(records[299].offsetDelta == 299)
    }

    @Test func emptyBuilderGivesAnEmptyBatchThatValidationRejects() throws {
        let batch = RecordBatchBuilder(baseTimestamp: 0).build()
        #expect(batch.readableBytes == RecordBatchLayout.headerSize)
        let header = try RecordBatchHeader(parsing: batch, at: 0)
        #expect(header.recordCount == 0 && header.maxTimestamp == -1)
        #expect(try RecordBatchReader.records(in: batch).isEmpty)
        #expect(isInvalidRecord(validationError(batch)))
    }

    @Test func appendingRecordsWithOwnDeltasLeavesOffsetGaps() throws {
        var builder = RecordBatchBuilder(baseOffset: 10, baseTimestamp: 0)
        builder.append(Record(offsetDelta: 0, timestampDelta: 1, key: buffer("a"), value: buffer("1")))
        builder.append(Record(offsetDelta: 4, timestampDelta: 2, key: buffer("b"), value: buffer("2")))
        let batch = builder.build()
        let header = try RecordBatchHeader(parsing: batch, at: 0)
        #expect(header.lastOffset == 14 && header.recordCount == 2)
        let records = try RecordBatchReader.records(in: batch)
        #expect(records.map { $0.offset(in: header) } == [10, 14])
        // A client must not send gaps, so the produce validator refuses this batch.
        #expect(isInvalidRecord(validationError(batch)))
    }
}
