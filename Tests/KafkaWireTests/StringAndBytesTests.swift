import KafkaWire
import NIOCore
import Testing

@Suite struct StringAndBytesTests {
    @Test func classicStringLayout() throws {
        var buffer = ByteBuffer()
        buffer.writeKafkaString("héllo")
        #expect(Array(buffer.readableBytesView) == [0x00, 0x06] + Array("héllo".utf8))
        #expect(try buffer.readKafkaString() == "héllo")
    }

    @Test func compactStringLayout() throws {
        var buffer = ByteBuffer()
        buffer.writeKafkaCompactString("abc")
        #expect(Array(buffer.readableBytesView) == [0x04, 0x61, 0x62, 0x63])
        #expect(try buffer.readKafkaCompactString() == "abc")
    }

    @Test func nullableStringsRoundTrip() throws {
        for compact in [false, true] {
            for value: String? in [nil, "", "topic-1"] {
                var buffer = ByteBuffer()
                buffer.writeKafkaNullableString(value, compact: compact)
                #expect(try buffer.readKafkaNullableString(compact: compact) == value)
                #expect(buffer.readableBytes == 0)
            }
        }
        var nullClassic = ByteBuffer()
        nullClassic.writeKafkaNullableString(nil)
        #expect(Array(nullClassic.readableBytesView) == [0xFF, 0xFF])
        var nullCompact = ByteBuffer()
        nullCompact.writeKafkaCompactNullableString(nil)
        #expect(Array(nullCompact.readableBytesView) == [0x00])
    }

    @Test func nullWhereNotAllowedThrows() {
        var buffer = ByteBuffer(bytes: [0xFF, 0xFF])
        #expect(throws: KafkaWireError.unexpectedNull) { try buffer.readKafkaString() }
        var bytes = ByteBuffer(bytes: [0x00])
        #expect(throws: KafkaWireError.unexpectedNull) { try bytes.readKafkaCompactBytes() }
    }

    @Test func malformedStringsThrow() {
        var negative = ByteBuffer(bytes: [0xFF, 0xFE])
        #expect(throws: KafkaWireError.invalidLength(-2)) { try negative.readKafkaNullableString() }
        var tooLong = ByteBuffer(bytes: [0x00, 0x05, 0x61])
        #expect(throws: KafkaWireError.invalidLength(5)) { try tooLong.readKafkaString() }
        var badUTF8 = ByteBuffer(bytes: [0x00, 0x02, 0xC3, 0x28])
        #expect(throws: KafkaWireError.invalidUTF8) { try badUTF8.readKafkaString() }
        var hugeCompact = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(throws: KafkaWireError.invalidLength(Int64(UInt32.max) - 1)) {
            try hugeCompact.readKafkaCompactString()
        }
    }

    @Test func bytesAreSlicesAndRoundTrip() throws {
        for compact in [false, true] {
            for value: ByteBuffer? in [nil, ByteBuffer(), ByteBuffer(bytes: [1, 2, 3])] {
                var buffer = ByteBuffer()
                buffer.writeKafkaNullableBytes(value, compact: compact)
                #expect(try buffer.readKafkaNullableBytes(compact: compact) == value)
            }
        }
        var classic = ByteBuffer()
        classic.writeKafkaBytes(ByteBuffer(bytes: [9]))
        #expect(Array(classic.readableBytesView) == [0, 0, 0, 1, 9])
        var negative = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFE])
        #expect(throws: KafkaWireError.invalidLength(-2)) { try negative.readKafkaNullableBytes() }
    }

    @Test func arrayCounts() throws {
        var buffer = ByteBuffer()
        buffer.writeKafkaArrayCount(3, compact: true)
        buffer.writeKafkaArrayCount(nil, compact: true)
        buffer.writeKafkaArrayCount(nil, compact: false)
        buffer.writeBytes([1, 2, 3])
        #expect(try buffer.readKafkaArrayCount(compact: true) == 3)
        #expect(try buffer.readKafkaArrayCount(compact: true) == nil)
        #expect(try buffer.readKafkaArrayCount(compact: false) == nil)
        // A count larger than the remaining bytes is rejected before anything is allocated.
        var hostile = ByteBuffer(bytes: [0x7F, 0xFF, 0xFF, 0xFF, 0x00])
        #expect(throws: KafkaWireError.invalidLength(Int64(Int32.max))) {
            try hostile.readKafkaArrayCount(compact: false)
        }
        var hostileArray = ByteBuffer(bytes: [0x00, 0x10, 0x00, 0x00, 0x00])
        #expect(throws: (any Error).self) {
            _ = try hostileArray.readKafkaArray(compact: false) { try $0.readKafkaInteger(as: Int32.self) }
        }
    }

    @Test func arraysRoundTrip() throws {
        for compact in [false, true] {
            var writer = WireWriter(buffer: ByteBuffer())
            writer.writeKafkaArray([Int32(1), -5, 7], compact: compact) { $0.buffer.writeInteger($1) }
            writer.writeKafkaNullableArray(nil as [Int32]?, compact: compact) { $0.buffer.writeInteger($1) }
            var buffer = writer.buffer
            #expect(
                try buffer.readKafkaArray(compact: compact) { try $0.readKafkaInteger(as: Int32.self) } == [1, -5, 7])
            #expect(
                try buffer.readKafkaNullableArray(compact: compact) { try $0.readKafkaInteger(as: Int32.self) } == nil)
            #expect(buffer.readableBytes == 0)
        }
    }
}
