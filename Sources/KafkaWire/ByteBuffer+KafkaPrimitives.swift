import NIOCore

extension ByteBuffer {
    /// Reads a big-endian fixed-width integer (int8/16/32/64, uint16/32).
    @inlinable
    public mutating func readKafkaInteger<T: FixedWidthInteger>(as: T.Type = T.self) throws(KafkaWireError) -> T {
        guard let value = readInteger(endianness: .big, as: T.self) else { throw .truncated }
        return value
    }

    /// Reads a Kafka boolean: one byte, any non-zero value is `true` (as Kafka's own reader does).
    @inlinable
    public mutating func readKafkaBool() throws(KafkaWireError) -> Bool {
        try readKafkaInteger(as: UInt8.self) != 0
    }

    /// Writes a Kafka boolean as 0 or 1.
    @inlinable
    public mutating func writeKafkaBool(_ value: Bool) {
        writeInteger(value ? UInt8(1) : UInt8(0))
    }

    /// Reads an IEEE 754 double in big-endian byte order (Kafka's `float64`).
    @inlinable
    public mutating func readKafkaFloat64() throws(KafkaWireError) -> Double {
        Double(bitPattern: try readKafkaInteger(as: UInt64.self))
    }

    /// Writes an IEEE 754 double in big-endian byte order.
    @inlinable
    public mutating func writeKafkaFloat64(_ value: Double) {
        writeInteger(value.bitPattern, endianness: .big)
    }

    /// Reads a 16-byte Kafka UUID.
    @inlinable
    public mutating func readKafkaUUID() throws(KafkaWireError) -> KafkaUUID {
        let high = try readKafkaInteger(as: UInt64.self)
        let low = try readKafkaInteger(as: UInt64.self)
        return KafkaUUID(high: high, low: low)
    }

    /// Writes a 16-byte Kafka UUID.
    @inlinable
    public mutating func writeKafkaUUID(_ value: KafkaUUID) {
        writeInteger(value.high, endianness: .big)
        writeInteger(value.low, endianness: .big)
    }
}
