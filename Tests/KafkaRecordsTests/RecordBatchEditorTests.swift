import KafkaRecords
import NIOCore
import Testing

@Suite struct RecordBatchEditorTests {
    /// Two batches back to back, the second at a non-zero index.
    func twoBatches() -> (bytes: ByteBuffer, second: Int) {
        var bytes = sampleBatch()
        let second = bytes.writerIndex
        var other = sampleBatch(baseTimestamp: 2_000)
        bytes.writeBuffer(&other)
        return (bytes, second)
    }

    @Test func logAppendTimeKeepsTheCRCValid() throws {
        var (bytes, second) = twoBatches()
        let before = try RecordBatchHeader(parsing: bytes, at: second)
        RecordBatchEditor.setLogAppendTime(9_999, in: &bytes, batchAt: second)
        let batches = try RecordBatchValidator.validate(bytes, maxBatchBytes: 1 << 20)
        let header = batches[1].header
        #expect(header.timestampType == .logAppendTime)
        #expect(header.maxTimestamp == 9_999)
        #expect(header.baseTimestamp == before.baseTimestamp)
        #expect(header.crc != before.crc)
        #expect(batches[0].header.timestampType == .createTime)
    }

    @Test func logAppendTimeKeepsOtherAttributeBits() throws {
        var builder = RecordBatchBuilder(
            baseTimestamp: 0, producerId: 1, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        builder.append(key: nil, value: buffer("v"), timestamp: 0)
        var batch = builder.build()
        RecordBatchEditor.setLogAppendTime(5, in: &batch, batchAt: 0)
        let header = try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20)[0].header
        #expect(header.isTransactional && header.timestampType == .logAppendTime)
    }

    @Test func setMaxTimestampBackToCreateTime() throws {
        var batch = sampleBatch()
        RecordBatchEditor.setLogAppendTime(5, in: &batch, batchAt: 0)
        RecordBatchEditor.setMaxTimestamp(42, timestampType: .createTime, in: &batch, batchAt: 0)
        let header = try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20)[0].header
        #expect(header.timestampType == .createTime && header.maxTimestamp == 42)
    }

    @Test func baseOffsetAndLeaderEpochNeedNoCRCUpdate() throws {
        var (bytes, second) = twoBatches()
        let crc = try RecordBatchHeader(parsing: bytes, at: second).crc
        RecordBatchEditor.setBaseOffset(1_234, in: &bytes, batchAt: second)
        RecordBatchEditor.setPartitionLeaderEpoch(17, in: &bytes, batchAt: second)
        let header = try RecordBatchValidator.validate(bytes, maxBatchBytes: 1 << 20)[1].header
        #expect(header.baseOffset == 1_234 && header.lastOffset == 1_236)
        #expect(header.partitionLeaderEpoch == 17)
        #expect(header.crc == crc)
    }

    @Test func updateCRCRepairsAnEditedBatch() {
        var batch = sampleBatch()
        batch.setInteger(Int64(77), at: RecordBatchLayout.producerIdOffset)
        #expect(isCorrupt(validationError(batch)))
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        #expect(validationError(batch) == nil)
    }
}
