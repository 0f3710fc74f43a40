import NIOCore

extension ByteBuffer {
    /// Reads a length prefix: int16 (`shortLength`), int32, or compact unsigned varint (n+1).
    /// Returns nil for the null marker (-1, or 0 when compact). Checks the length against the
    /// readable bytes so no caller allocates on an attacker's say-so.
    @usableFromInline
    mutating func readKafkaLength(compact: Bool, shortLength: Bool) throws(KafkaWireError) -> Int? {
        let length: Int64
        if compact {
            length = Int64(try readUnsignedVarint()) - 1
        } else if shortLength {
            length = Int64(try readKafkaInteger(as: Int16.self))
        } else {
            length = Int64(try readKafkaInteger(as: Int32.self))
        }
        if length == -1 { return nil }
        guard length >= 0 else { throw .invalidLength(length) }
        guard length <= Int64(readableBytes) else { throw .invalidLength(length) }
        return Int(length)
    }

    /// Writes a length prefix, or the null marker for `nil`.
    @usableFromInline
    mutating func writeKafkaLength(_ length: Int?, compact: Bool, shortLength: Bool) {
        if compact {
            writeUnsignedVarint(length.map { UInt32(truncatingIfNeeded: $0 + 1) } ?? 0)
        } else if shortLength {
            writeInteger(Int16(truncatingIfNeeded: length ?? -1), endianness: .big)
        } else {
            writeInteger(Int32(truncatingIfNeeded: length ?? -1), endianness: .big)
        }
    }

    /// Reads an array's element count (int32, or compact n+1); nil means a null array.
    /// Throws when the count exceeds the readable bytes (Kafka's own guard against huge allocations).
    @inlinable
    public mutating func readKafkaArrayCount(compact: Bool) throws(KafkaWireError) -> Int? {
        try readKafkaLength(compact: compact, shortLength: false)
    }

    /// Writes an array's element count; `nil` writes the null marker.
    @inlinable
    public mutating func writeKafkaArrayCount(_ count: Int?, compact: Bool) {
        writeKafkaLength(count, compact: compact, shortLength: false)
    }

    /// Reads a non-null array count; a null marker throws `.unexpectedNull`.
    @inlinable
    public mutating func readKafkaNonNullArrayCount(compact: Bool) throws(KafkaWireError) -> Int {
        guard let count = try readKafkaArrayCount(compact: compact) else { throw .unexpectedNull }
        return count
    }
}
