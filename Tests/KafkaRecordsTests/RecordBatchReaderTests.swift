import KafkaRecords
import NIOCore
import Testing

@Suite struct RecordBatchReaderTests {
    @Test func decodesTheFirstBatchAfterTheReaderIndex() throws {
        var bytes = ByteBuffer(string: "prefix")
        bytes.moveReaderIndex(forwardBy: 6)
        var first = sampleBatch()
        var second = sampleBatch(baseOffset: 3)
        bytes.writeBuffer(&first)
        bytes.writeBuffer(&second)
        let records = try RecordBatchReader.records(in: bytes)
        #expect(records.count == 3)
        #expect(records[0].key == buffer("k0"))
        #expect(records[1].headers.map(\.key) == ["trace", "empty"])
    }

    @Test func recordTimestampsAndOffsetsFollowTheHeader() throws {
        let batch = sampleBatch(baseOffset: 50, baseTimestamp: 1_000)
        let header = try RecordBatchHeader(parsing: batch, at: 0)
        let records = try RecordBatchReader.records(in: batch)
        #expect(records.map { $0.offset(in: header) } == [50, 51, 52])
        #expect(records.map { $0.timestamp(in: header) } == [1_000, 995, 1_009])

        var appended = batch
        RecordBatchEditor.setLogAppendTime(7_777, in: &appended, batchAt: 0)
        let appendHeader = try RecordBatchHeader(parsing: appended, at: 0)
        #expect(records.map { $0.timestamp(in: appendHeader) } == [7_777, 7_777, 7_777])
    }

    @Test func truncatedBatchThrows() {
        var batch = sampleBatch()
        batch.moveWriterIndex(to: batch.writerIndex - 1)
        #expect(throws: RecordBatchError.truncated) { try RecordBatchReader.records(in: batch) }
    }

    @Test func recordsThatAreNotTheirCodecsFormatAreCorrupt() {
        // Plain records labelled zstd: the decoder rejects them (compressed batches are decoded).
        var batch = sampleBatch()
        batch.setInteger(Int16(4), at: RecordBatchLayout.attributesOffset)
        #expect(throws: RecordBatchError.self) { try RecordBatchReader.records(in: batch) }
        do {
            _ = try RecordBatchReader.records(in: batch)
        } catch {
            guard case .corrupt = error else { Issue.record("expected corrupt, got \(error)"); return }
        }
    }

    @Test func firstOffsetAtOrAfterTimestamp() throws {
        // Record timestamps are 1_000, 995, 1_009 at offsets 50, 51, 52.
        let batch = sampleBatch(baseOffset: 50, baseTimestamp: 1_000)
        func first(_ timestamp: Int64) throws -> [Int64]? {
            try RecordBatchReader.firstOffset(atOrAfter: timestamp, in: batch).map { [$0.offset, $0.timestamp] }
        }
        #expect(try first(0) == [50, 1_000])
        #expect(try first(995) == [50, 1_000])
        #expect(try first(1_000) == [50, 1_000])
        #expect(try first(1_001) == [52, 1_009])
        #expect(try first(1_009) == [52, 1_009])
        #expect(try first(1_010) == nil)
    }

    @Test func firstOffsetWithLogAppendTimeIsTheFirstRecord() throws {
        var batch = sampleBatch(baseOffset: 50, baseTimestamp: 1_000)
        RecordBatchEditor.setLogAppendTime(5_000, in: &batch, batchAt: 0)
        let found = try RecordBatchReader.firstOffset(atOrAfter: 4_000, in: batch)
        #expect(found?.offset == 50 && found?.timestamp == 5_000)
        #expect(try RecordBatchReader.firstOffset(atOrAfter: 5_001, in: batch) == nil)

        // Compressed LogAppendTime batches need no decompression to answer.
        batch.setInteger(Int16(0x08 | 0x02), at: RecordBatchLayout.attributesOffset)
        let compressed = try RecordBatchReader.firstOffset(atOrAfter: 4_000, in: batch)
        #expect(compressed?.offset == 50 && compressed?.timestamp == 5_000)
    }

    @Test func firstOffsetInCompressedCreateTimeBatchThrows() throws {
        var batch = sampleBatch(baseTimestamp: 1_000)
        batch.setInteger(Int16(1), at: RecordBatchLayout.attributesOffset)
        #expect(throws: RecordBatchError.self) { try RecordBatchReader.firstOffset(atOrAfter: 0, in: batch) }
        // Decided from maxTimestamp alone when no record can match.
        #expect(try RecordBatchReader.firstOffset(atOrAfter: 2_000, in: batch) == nil)
    }
}
