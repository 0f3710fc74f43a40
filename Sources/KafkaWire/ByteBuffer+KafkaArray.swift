import NIOCore

extension ByteBuffer {
    /// Reads a non-null array: count (int32, or compact n+1), then each element with `element`.
    @inlinable
    public mutating func readKafkaArray<Element>(
        compact: Bool, _ element: (inout ByteBuffer) throws -> Element
    ) throws -> [Element] {
        try readKafkaArrayElements(count: try readKafkaNonNullArrayCount(compact: compact), element)
    }

    /// Reads a nullable array (null marker -1, or 0 when compact).
    @inlinable
    public mutating func readKafkaNullableArray<Element>(
        compact: Bool, _ element: (inout ByteBuffer) throws -> Element
    ) throws -> [Element]? {
        guard let count = try readKafkaArrayCount(compact: compact) else { return nil }
        return try readKafkaArrayElements(count: count, element)
    }

    /// The `count` elements after an array's count (already checked against the readable bytes).
    @inlinable
    mutating func readKafkaArrayElements<Element>(
        count: Int, _ element: (inout ByteBuffer) throws -> Element
    ) throws -> [Element] {
        var items: [Element] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
            items.append(try element(&self))
        }
        return items
    }

    /// Reads a nullable struct. Untagged structs carry an int8 marker (-1 = null, 1 = present);
    /// inside a tagged field the marker is an unsigned varint (0 = null).
    @inlinable
    public mutating func readKafkaNullableStruct<Value>(
        markerIsVarint: Bool, _ read: (inout ByteBuffer) throws -> Value
    ) throws -> Value? {
        let present = markerIsVarint ? try readUnsignedVarint() > 0 : try readKafkaInteger(as: Int8.self) >= 0
        return present ? try read(&self) : nil
    }

    /// Reads a `records` field as an in-memory payload slice (nullable bytes on the wire).
    @inlinable
    public mutating func readKafkaRecords(compact: Bool) throws(KafkaWireError) -> RecordsPayload? {
        try readKafkaNullableBytes(compact: compact).map(RecordsPayload.bytes)
    }
}

extension WireWriter {
    /// Writes a non-null array: count, then each element with `element`.
    @inlinable
    public mutating func writeKafkaArray<Element>(
        _ items: [Element], compact: Bool, _ element: (inout WireWriter, Element) -> Void
    ) {
        buffer.writeKafkaArrayCount(items.count, compact: compact)
        for item in items {
            element(&self, item)
        }
    }

    /// Writes a nullable array (`nil` writes the null marker).
    @inlinable
    public mutating func writeKafkaNullableArray<Element>(
        _ items: [Element]?, compact: Bool, _ element: (inout WireWriter, Element) -> Void
    ) {
        guard let items else {
            buffer.writeKafkaArrayCount(nil, compact: compact)
            return
        }
        writeKafkaArray(items, compact: compact, element)
    }

    /// Writes a nullable struct with the marker `readKafkaNullableStruct` expects.
    @inlinable
    public mutating func writeKafkaNullableStruct<Value>(
        _ value: Value?, markerIsVarint: Bool, _ write: (inout WireWriter, Value) -> Void
    ) {
        if markerIsVarint {
            buffer.writeUnsignedVarint(value == nil ? 0 : 1)
        } else {
            buffer.writeInteger(value == nil ? Int8(-1) : Int8(1))
        }
        if let value { write(&self, value) }
    }

    /// Writes a `records` field: its length (int32, or compact n+1; null marker for `nil`), then the
    /// payload bytes, or a splice for file-backed payloads.
    @inlinable
    public mutating func writeKafkaRecords(_ payload: RecordsPayload?, compact: Bool) {
        guard let payload else {
            buffer.writeKafkaNullableBytes(nil, compact: compact)
            return
        }
        if compact {
            buffer.writeUnsignedVarint(UInt32(truncatingIfNeeded: payload.byteCount + 1))
        } else {
            buffer.writeInteger(Int32(truncatingIfNeeded: payload.byteCount))
        }
        writeRecordsPayload(payload)
    }
}
