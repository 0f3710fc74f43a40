/// Where the parts of one record sit in the batch bytes (indices into the walked bytes).
struct RawRecord {
    var offsetDelta: Int32
    var timestampDelta: Int64
    var key: Range<Int>?
    var value: Range<Int>?
    var headerCount: Int
    /// The encoded headers (count already consumed), for `decodeHeaders`.
    var headers: Range<Int>
}

/// Steps through the records section of an uncompressed batch, checking every field's framing.
enum RecordWalker {
    /// Walks `recordCount` records in `bytes[start..<end]`, which must be exactly filled by them.
    ///
    /// With `requireSequentialOffsets` (freshly produced batches) each record's offsetDelta must
    /// equal its index; without it (stored batches, possibly compacted) deltas must only grow.
    /// `body` returns false to stop early; then the rest of the batch is not checked.
    static func walk(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, recordCount: Int32,
        requireSequentialOffsets: Bool,
        _ body: (RawRecord) throws(RecordBatchError) -> Bool
    ) throws(RecordBatchError) {
        guard recordCount >= 0 else { throw .invalidRecord("negative record count \(recordCount)") }
        var cursor = RecordCursor(bytes: bytes, position: start, end: end)
        var previousDelta: Int32 = -1
        for index in 0..<Int(recordCount) {
            let bodyLength = try cursor.readVarint()
            guard bodyLength >= 0, Int(bodyLength) <= cursor.remaining else {
                throw .invalidRecord(
                    "record \(index) claims \(bodyLength) bytes but the batch has \(cursor.remaining) left")
            }
            let bodyStart = cursor.position
            var record = RecordCursor(bytes: bytes, position: bodyStart, end: bodyStart + Int(bodyLength))
            let raw = try readBody(&record, index: index)
            if requireSequentialOffsets {
                guard raw.offsetDelta == Int32(truncatingIfNeeded: index) else {
                    throw .invalidRecord("record \(index) has offset delta \(raw.offsetDelta)")
                }
            } else {
                guard raw.offsetDelta > previousDelta else {
                    throw .invalidRecord("record \(index) has offset delta \(raw.offsetDelta) after \(previousDelta)")
                }
            }
            previousDelta = raw.offsetDelta
            try cursor.skip(Int(bodyLength))
            guard try body(raw) else { return }
        }
        guard cursor.remaining == 0 else {
            throw .invalidRecord("batch has \(cursor.remaining) bytes after its \(recordCount) records")
        }
    }

    /// Reads one record body; it must use exactly the bytes its length prefix announced.
    private static func readBody(_ cursor: inout RecordCursor, index: Int) throws(RecordBatchError) -> RawRecord {
        _ = try cursor.readByte()  // record attributes: unused by the format, any value accepted
        let timestampDelta = try cursor.readVarlong()
        let offsetDelta = try cursor.readVarint()
        let key = try cursor.readNullableBytesRange("key")
        let value = try cursor.readNullableBytesRange("value")
        let headerCount = try cursor.readVarint()
        // Each header takes at least 2 bytes, which also bounds the loop on hostile counts.
        guard headerCount >= 0, Int(headerCount) <= cursor.remaining / 2 else {
            throw .invalidRecord("record \(index) has an invalid header count \(headerCount)")
        }
        let headersStart = cursor.position
        for _ in 0..<Int(headerCount) {
            let keyLength = try cursor.readVarint()
            guard keyLength >= 0 else {
                throw .invalidRecord("record \(index) has a header key of length \(keyLength)")
            }
            try cursor.skip(Int(keyLength))
            _ = try cursor.readNullableBytesRange("header value")
        }
        guard cursor.remaining == 0 else {
            throw .invalidRecord("record \(index) has \(cursor.remaining) unused bytes")
        }
        return RawRecord(
            offsetDelta: offsetDelta, timestampDelta: timestampDelta, key: key, value: value,
            headerCount: Int(headerCount), headers: headersStart..<cursor.position)
    }

    /// Splits a walked record's header bytes into (key, value) ranges; they were checked by `walk`.
    static func decodeHeaders(
        _ bytes: UnsafeRawBufferPointer, _ raw: RawRecord
    ) throws(RecordBatchError) -> [(key: Range<Int>, value: Range<Int>?)] {
        var cursor = RecordCursor(bytes: bytes, position: raw.headers.lowerBound, end: raw.headers.upperBound)
        var headers: [(key: Range<Int>, value: Range<Int>?)] = []
        headers.reserveCapacity(raw.headerCount)
        for _ in 0..<raw.headerCount {
            guard let key = try cursor.readNullableBytesRange("header key") else {
                throw .invalidRecord("null header key")
            }
            headers.append((key, try cursor.readNullableBytesRange("header value")))
        }
        return headers
    }
}
