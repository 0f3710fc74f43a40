import NIOCore

extension ByteBuffer {
    /// Reads a nullable string: int16 length (-1 = null), or compact (unsigned varint n+1, 0 = null).
    @inlinable
    public mutating func readKafkaNullableString(compact: Bool = false) throws(KafkaWireError) -> String? {
        guard let length = try readKafkaLength(compact: compact, shortLength: true) else { return nil }
        guard let view = readSlice(length: length) else { throw .truncated }
        // Malformed UTF-8 is rejected rather than silently repaired.
        if #available(macOS 15, iOS 18, *) {
            guard let string = String(validating: view.readableBytesView, as: UTF8.self) else { throw .invalidUTF8 }
            return string
        }
        let string = String(decoding: view.readableBytesView, as: UTF8.self)
        guard string.utf8.elementsEqual(view.readableBytesView) else { throw .invalidUTF8 }
        return string
    }

    /// Reads a non-null string (`STRING` or `COMPACT_STRING`); null throws `.unexpectedNull`.
    @inlinable
    public mutating func readKafkaString(compact: Bool = false) throws(KafkaWireError) -> String {
        guard let string = try readKafkaNullableString(compact: compact) else { throw .unexpectedNull }
        return string
    }

    /// Reads a compact non-null string.
    @inlinable
    public mutating func readKafkaCompactString() throws(KafkaWireError) -> String {
        try readKafkaString(compact: true)
    }

    /// Reads a compact nullable string.
    @inlinable
    public mutating func readKafkaCompactNullableString() throws(KafkaWireError) -> String? {
        try readKafkaNullableString(compact: true)
    }

    /// Writes a nullable string (`nil` writes the null marker).
    @inlinable
    public mutating func writeKafkaNullableString(_ value: String?, compact: Bool = false) {
        guard let value else {
            writeKafkaLength(nil, compact: compact, shortLength: true)
            return
        }
        writeKafkaLength(value.utf8.count, compact: compact, shortLength: true)
        writeString(value)
    }

    /// Writes a non-null string.
    @inlinable
    public mutating func writeKafkaString(_ value: String, compact: Bool = false) {
        writeKafkaNullableString(value, compact: compact)
    }

    /// Writes a compact non-null string.
    @inlinable
    public mutating func writeKafkaCompactString(_ value: String) {
        writeKafkaNullableString(value, compact: true)
    }

    /// Writes a compact nullable string.
    @inlinable
    public mutating func writeKafkaCompactNullableString(_ value: String?) {
        writeKafkaNullableString(value, compact: true)
    }
}
