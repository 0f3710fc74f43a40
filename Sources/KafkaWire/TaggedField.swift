import NIOCore

/// One entry of a flexible-version tagged-field section: the tag and its raw bytes.
public struct TaggedField: Sendable, Equatable {
    public var tag: UInt32
    public var data: ByteBuffer

    public init(tag: UInt32, data: ByteBuffer) {
        self.tag = tag
        self.data = data
    }
}

extension ByteBuffer {
    /// Reads the count that opens a tagged-field section, checked against the readable bytes
    /// (each field needs at least two bytes: tag and size).
    @inlinable
    public mutating func readKafkaTaggedFieldCount() throws(KafkaWireError) -> Int {
        let count = try readUnsignedVarint()
        guard Int64(count) * 2 <= Int64(readableBytes) else { throw .invalidLength(Int64(count)) }
        return Int(count)
    }

    /// Reads one tagged field (tag, size, then `size` bytes as a slice).
    @inlinable
    public mutating func readKafkaTaggedField() throws(KafkaWireError) -> TaggedField {
        let tag = try readUnsignedVarint()
        let size = try readUnsignedVarint()
        guard let data = readSlice(length: Int(size)) else { throw .truncated }
        return TaggedField(tag: tag, data: data)
    }

    /// Reads a whole tagged-field section, keeping every field raw.
    @inlinable
    public mutating func readKafkaTaggedFields() throws(KafkaWireError) -> [TaggedField] {
        let count = try readKafkaTaggedFieldCount()
        var fields: [TaggedField] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            fields.append(try readKafkaTaggedField())
        }
        return fields
    }

    /// Writes a tagged-field section; fields are written in ascending tag order, as Kafka requires.
    @inlinable
    public mutating func writeKafkaTaggedFields(_ fields: [TaggedField]) {
        writeUnsignedVarint(UInt32(truncatingIfNeeded: fields.count))
        let ordered = fields.count > 1 ? fields.sorted { $0.tag < $1.tag } : fields
        for field in ordered {
            writeUnsignedVarint(field.tag)
            writeUnsignedVarint(UInt32(truncatingIfNeeded: field.data.readableBytes))
            writeImmutableBuffer(field.data)
        }
    }
}
