import NIOCore

/// In-place edits of header fields of a whole batch held in a buffer, as the broker makes them
/// on append. `index` is the absolute index of the batch's first byte; the batch must be whole
/// in the buffer (as `RecordBatchValidator` guarantees); violating that traps.
public enum RecordBatchEditor {
    /// Sets `baseOffset`. Outside the CRC range, so the CRC stays valid.
    public static func setBaseOffset(_ offset: Int64, in buffer: inout ByteBuffer, batchAt index: Int) {
        let size = wholeBatchSize(buffer, at: index)
        precondition(size >= RecordBatchLayout.headerSize)
        buffer.setInteger(offset, at: index + RecordBatchLayout.baseOffsetOffset)
    }

    /// Sets `partitionLeaderEpoch`. Outside the CRC range, so the CRC stays valid.
    public static func setPartitionLeaderEpoch(_ epoch: Int32, in buffer: inout ByteBuffer, batchAt index: Int) {
        let size = wholeBatchSize(buffer, at: index)
        precondition(size >= RecordBatchLayout.headerSize)
        buffer.setInteger(epoch, at: index + RecordBatchLayout.partitionLeaderEpochOffset)
    }

    /// Marks the batch as LogAppendTime with `timestamp` as its `maxTimestamp` (which every
    /// record then reports) and recomputes the CRC. Like Kafka's in-place path, `baseTimestamp`
    /// and the record deltas are left as the producer wrote them.
    public static func setLogAppendTime(_ timestamp: Int64, in buffer: inout ByteBuffer, batchAt index: Int) {
        setMaxTimestamp(timestamp, timestampType: .logAppendTime, in: &buffer, batchAt: index)
    }

    /// Sets the timestamp type bit and `maxTimestamp`, and recomputes the CRC; does nothing if
    /// both already hold these values.
    public static func setMaxTimestamp(
        _ timestamp: Int64, timestampType: TimestampType, in buffer: inout ByteBuffer, batchAt index: Int
    ) {
        let size = wholeBatchSize(buffer, at: index)
        let attributesIndex = index + RecordBatchLayout.attributesOffset
        let maxTimestampIndex = index + RecordBatchLayout.maxTimestampOffset
        let oldAttributes: Int16 = buffer.getInteger(at: attributesIndex)!
        var attributes = oldAttributes & ~RecordBatchLayout.timestampTypeMask
        if timestampType == .logAppendTime { attributes |= RecordBatchLayout.timestampTypeMask }
        let oldTimestamp: Int64 = buffer.getInteger(at: maxTimestampIndex)!
        if attributes == oldAttributes && oldTimestamp == timestamp { return }
        buffer.setInteger(attributes, at: attributesIndex)
        buffer.setInteger(timestamp, at: maxTimestampIndex)
        updateCRC(in: &buffer, batchAt: index, size: size)
    }

    /// Recomputes and stores the CRC of the batch at `index` after other edits of its bytes.
    public static func updateCRC(in buffer: inout ByteBuffer, batchAt index: Int) {
        updateCRC(in: &buffer, batchAt: index, size: wholeBatchSize(buffer, at: index))
    }

    private static func updateCRC(in buffer: inout ByteBuffer, batchAt index: Int, size: Int) {
        let from = index + RecordBatchLayout.crcCoveredFrom
        let crc = buffer.withUnsafeReadableBytes { bytes in
            CRC32C.checksum(
                UnsafeRawBufferPointer(
                    rebasing: bytes[(from - buffer.readerIndex)..<(index + size - buffer.readerIndex)]))
        }
        buffer.setInteger(crc, at: index + RecordBatchLayout.crcOffset)
    }

    /// Size of the batch at `index`, trapping unless it is whole within the readable bytes.
    private static func wholeBatchSize(_ buffer: ByteBuffer, at index: Int) -> Int {
        precondition(
            index >= buffer.readerIndex && index + RecordBatchLayout.headerSize <= buffer.writerIndex,
            "no record batch header at index \(index)")
        let batchLength: Int32 = buffer.getInteger(at: index + RecordBatchLayout.batchLengthOffset)!
        let size = Int(batchLength) + RecordBatchLayout.logOverhead
        precondition(
            size >= RecordBatchLayout.headerSize && index + size <= buffer.writerIndex,
            "record batch at index \(index) is not whole in the buffer")
        return size
    }
}
