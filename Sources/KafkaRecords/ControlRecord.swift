import NIOCore

/// The two kinds of transaction marker a control batch carries (the `type` of its record key).
public enum ControlRecordType: Int16, Sendable {
    case abort = 0
    case commit = 1

    /// The control batch (transactional and control attributes set, base sequence -1) holding one
    /// marker for `producerId`/`producerEpoch`, as a transaction coordinator writes it.
    ///
    /// Record key (`EndTxnMarker` key v0): version Int16 = 0, type Int16. Value: version Int16 = 0,
    /// coordinator epoch Int32.
    public func markerBatch(producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32 = 0, timestamp: Int64)
        -> ByteBuffer
    {
        var builder = RecordBatchBuilder(
            baseTimestamp: timestamp, producerId: producerId, producerEpoch: producerEpoch, baseSequence: -1,
            isTransactional: true, isControl: true)
        var key = ByteBuffer()
        key.writeInteger(Int16(0))
        key.writeInteger(rawValue)
        var value = ByteBuffer()
        value.writeInteger(Int16(0))
        value.writeInteger(coordinatorEpoch)
        builder.append(key: key, value: value, timestamp: timestamp)
        return builder.build()
    }

    /// The marker type of the control batch whose first bytes (at least its header and first record)
    /// are `batch[index...]`; nil when the first record is not a readable control record.
    public static func of(batchIn batch: ByteBuffer, at index: Int) -> ControlRecordType? {
        let start = index + RecordBatchLayout.recordsOffset
        guard start < batch.writerIndex else { return nil }
        return batch.withUnsafeReadableBytes { bytes -> ControlRecordType? in
            let end = min(batch.writerIndex - batch.readerIndex, start - batch.readerIndex + 64)
            var cursor = RecordCursor(bytes: bytes, position: start - batch.readerIndex, end: end)
            do {
                _ = try cursor.readVarint()  // record length
                _ = try cursor.readByte()  // attributes
                _ = try cursor.readVarlong()  // timestamp delta
                _ = try cursor.readVarint()  // offset delta
                guard try cursor.readVarint() >= 4 else { return nil }
                let high = try cursor.readByte()
                let low = try cursor.readByte()
                guard high == 0, low == 0 else { return nil }  // key version 0
                let typeHigh = try cursor.readByte()
                let typeLow = try cursor.readByte()
                return ControlRecordType(rawValue: Int16(typeHigh) << 8 | Int16(typeLow))
            } catch {
                return nil
            }
        }
    }
}
