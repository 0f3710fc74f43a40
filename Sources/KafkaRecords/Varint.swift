import NIOCore

/// A bounds-checked reader over raw bytes for the record section of a batch. Every failure
/// is an `.invalidRecord`, since the batch framing was already checked when this runs.
struct RecordCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int

    /// Reads `bytes[position..<end]`; the caller guarantees `0 <= position <= end <= bytes.count`.
    init(bytes: UnsafeRawBufferPointer, position: Int, end: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
    }

    var remaining: Int { end - position }

    mutating func readByte() throws(RecordBatchError) -> UInt8 {
        guard position < end else { throw .invalidRecord("record extends past the end of the batch") }
        let byte = bytes[position]
        position += 1
        return byte
    }

    /// Zigzag varint of at most 5 bytes (Kafka's `varint`); bits beyond 32 are dropped as Kafka does.
    mutating func readVarint() throws(RecordBatchError) -> Int32 {
        let raw = try readUnsignedVarint(maxBytes: 5)
        let value = UInt32(truncatingIfNeeded: raw)
        return Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    /// Zigzag varint of at most 10 bytes (Kafka's `varlong`).
    mutating func readVarlong() throws(RecordBatchError) -> Int64 {
        let value = try readUnsignedVarint(maxBytes: 10)
        return Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    private mutating func readUnsignedVarint(maxBytes: Int) throws(RecordBatchError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<maxBytes {
            let byte = try readByte()
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw .invalidRecord("varint longer than \(maxBytes) bytes")
    }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int) throws(RecordBatchError) {
        guard count >= 0, count <= remaining else {
            throw .invalidRecord("field of \(count) bytes extends past the end of the record")
        }
        position += count
    }

    /// Reads a varint length then skips that many bytes; returns the bytes' range, or nil for
    /// length -1 (null). Other negative lengths are invalid.
    mutating func readNullableBytesRange(_ what: String) throws(RecordBatchError) -> Range<Int>? {
        let length = try readVarint()
        if length == -1 { return nil }
        guard length >= 0 else { throw .invalidRecord("negative \(what) length \(length)") }
        let start = position
        try skip(Int(length))
        return start..<position
    }
}

extension ByteBuffer {
    /// Appends `value` as a zigzag varint (Kafka's `varint`).
    @discardableResult
    mutating func writeVarint(_ value: Int32) -> Int {
        writeUnsignedVarint(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    /// Appends `value` as a zigzag varlong (Kafka's `varlong`).
    @discardableResult
    mutating func writeVarlong(_ value: Int64) -> Int {
        writeUnsignedVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    private mutating func writeUnsignedVarint(_ value: UInt64) -> Int {
        var remaining = value
        var written = 0
        while remaining >= 0x80 {
            written += writeInteger(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        written += writeInteger(UInt8(remaining))
        return written
    }
}

/// Bytes a zigzag varint of `value` takes.
func varintSize(_ value: Int32) -> Int {
    unsignedVarintSize(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
}

/// Bytes a zigzag varlong of `value` takes.
func varlongSize(_ value: Int64) -> Int {
    unsignedVarintSize(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
}

private func unsignedVarintSize(_ value: UInt64) -> Int {
    // One byte per started group of 7 significant bits, at least one.
    let bits = 64 - value.leadingZeroBitCount
    return max(1, (bits + 6) / 7)
}
