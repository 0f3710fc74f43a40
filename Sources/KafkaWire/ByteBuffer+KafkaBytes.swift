import NIOCore

extension ByteBuffer {
    /// Reads nullable bytes: int32 length (-1 = null), or compact (n+1, 0 = null).
    /// The result is a slice of this buffer: no copy.
    @inlinable
    public mutating func readKafkaNullableBytes(compact: Bool = false) throws(KafkaWireError) -> ByteBuffer? {
        guard let length = try readKafkaLength(compact: compact, shortLength: false) else { return nil }
        guard let slice = readSlice(length: length) else { throw .truncated }
        return slice
    }

    /// Reads non-null bytes; null throws `.unexpectedNull`.
    @inlinable
    public mutating func readKafkaBytes(compact: Bool = false) throws(KafkaWireError) -> ByteBuffer {
        guard let bytes = try readKafkaNullableBytes(compact: compact) else { throw .unexpectedNull }
        return bytes
    }

    /// Reads compact non-null bytes.
    @inlinable
    public mutating func readKafkaCompactBytes() throws(KafkaWireError) -> ByteBuffer {
        try readKafkaBytes(compact: true)
    }

    /// Reads compact nullable bytes.
    @inlinable
    public mutating func readKafkaCompactNullableBytes() throws(KafkaWireError) -> ByteBuffer? {
        try readKafkaNullableBytes(compact: true)
    }

    /// Writes nullable bytes (`nil` writes the null marker).
    @inlinable
    public mutating func writeKafkaNullableBytes(_ value: ByteBuffer?, compact: Bool = false) {
        guard let value else {
            writeKafkaLength(nil, compact: compact, shortLength: false)
            return
        }
        writeKafkaLength(value.readableBytes, compact: compact, shortLength: false)
        writeImmutableBuffer(value)
    }

    /// Writes non-null bytes.
    @inlinable
    public mutating func writeKafkaBytes(_ value: ByteBuffer, compact: Bool = false) {
        writeKafkaNullableBytes(value, compact: compact)
    }

    /// Writes compact non-null bytes.
    @inlinable
    public mutating func writeKafkaCompactBytes(_ value: ByteBuffer) {
        writeKafkaNullableBytes(value, compact: true)
    }

    /// Writes compact nullable bytes.
    @inlinable
    public mutating func writeKafkaCompactNullableBytes(_ value: ByteBuffer?) {
        writeKafkaNullableBytes(value, compact: true)
    }
}
