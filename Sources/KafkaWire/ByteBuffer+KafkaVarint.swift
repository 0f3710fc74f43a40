import NIOCore

extension ByteBuffer {
    /// Reads an unsigned LEB128 varint of at most 5 bytes (Kafka's `UNSIGNED_VARINT`).
    @inlinable
    public mutating func readUnsignedVarint() throws(KafkaWireError) -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        var index = readerIndex
        while true {
            guard let byte = getInteger(at: index, as: UInt8.self) else { throw .truncated }
            index += 1
            // The fifth byte may only carry the top 4 bits of a 32-bit value.
            if shift == 28 && byte > 0x0F { throw .invalidVarint }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        moveReaderIndex(to: index)
        return result
    }

    /// Reads an unsigned LEB128 varlong of at most 10 bytes.
    @inlinable
    public mutating func readUnsignedVarlong() throws(KafkaWireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = readerIndex
        while true {
            guard let byte = getInteger(at: index, as: UInt8.self) else { throw .truncated }
            index += 1
            if shift == 63 && byte > 0x01 { throw .invalidVarint }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        moveReaderIndex(to: index)
        return result
    }

    /// Writes an unsigned LEB128 varint; returns the number of bytes written.
    @inlinable
    @discardableResult
    public mutating func writeUnsignedVarint(_ value: UInt32) -> Int {
        writeUnsignedVarlong(UInt64(value))
    }

    /// Writes an unsigned LEB128 varlong; returns the number of bytes written.
    @inlinable
    @discardableResult
    public mutating func writeUnsignedVarlong(_ value: UInt64) -> Int {
        var v = value
        var written = 0
        while v >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
            written += 1
        }
        writeInteger(UInt8(truncatingIfNeeded: v))
        return written + 1
    }

    /// Reads a zigzag-encoded signed varint (Kafka's `VARINT`, used in records).
    @inlinable
    public mutating func readVarint() throws(KafkaWireError) -> Int32 {
        let raw = try readUnsignedVarint()
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Reads a zigzag-encoded signed varlong (Kafka's `VARLONG`).
    @inlinable
    public mutating func readVarlong() throws(KafkaWireError) -> Int64 {
        let raw = try readUnsignedVarlong()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Writes a zigzag-encoded signed varint; returns the number of bytes written.
    @inlinable
    @discardableResult
    public mutating func writeVarint(_ value: Int32) -> Int {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    /// Writes a zigzag-encoded signed varlong; returns the number of bytes written.
    @inlinable
    @discardableResult
    public mutating func writeVarlong(_ value: Int64) -> Int {
        writeUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Bytes an unsigned varlong (or varint) of `value` occupies.
    @inlinable
    public static func unsignedVarintByteCount(_ value: UInt64) -> Int {
        var v = value
        var n = 1
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    /// Bytes a zigzag varint of `value` occupies.
    @inlinable
    public static func varintByteCount(_ value: Int32) -> Int {
        unsignedVarintByteCount(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    /// Bytes a zigzag varlong of `value` occupies.
    @inlinable
    public static func varlongByteCount(_ value: Int64) -> Int {
        unsignedVarintByteCount(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }
}
