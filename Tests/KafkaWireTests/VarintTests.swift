import KafkaWire
import NIOCore
import Testing

@Suite struct VarintTests {
    @Test(arguments: [Int32(0), -1, 1, 63, -64, 64, 300, -300, Int32.min, Int32.max])
    func signedVarintRoundTrip(_ value: Int32) throws {
        var buffer = ByteBuffer()
        let written = buffer.writeVarint(value)
        #expect(written == buffer.readableBytes)
        #expect(written == ByteBuffer.varintByteCount(value))
        #expect(try buffer.readVarint() == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test(arguments: [Int64(0), -1, 1, Int64(Int32.min), Int64(Int32.max), Int64.min, Int64.max])
    func signedVarlongRoundTrip(_ value: Int64) throws {
        var buffer = ByteBuffer()
        let written = buffer.writeVarlong(value)
        #expect(written == ByteBuffer.varlongByteCount(value))
        #expect(try buffer.readVarlong() == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test func knownZigzagEncodings() throws {
        // Zigzag: 0→0, -1→1, 1→2, -2→3; values ≥ 64 need a second byte.
        let cases: [(Int32, [UInt8])] = [
            (0, [0x00]), (-1, [0x01]), (1, [0x02]), (-2, [0x03]), (63, [0x7E]), (64, [0x80, 0x01]),
            (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]), (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ]
        for (value, bytes) in cases {
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            #expect(Array(buffer.readableBytesView) == bytes, "encoding of \(value)")
        }
        var longMin = ByteBuffer()
        longMin.writeVarlong(Int64.min)
        #expect(Array(longMin.readableBytesView) == Array(repeating: 0xFF, count: 9) + [0x01])
    }

    @Test func unsignedVarintEdges() throws {
        for value: UInt32 in [0, 127, 128, 16_383, 16_384, UInt32.max] {
            var buffer = ByteBuffer()
            buffer.writeUnsignedVarint(value)
            #expect(buffer.readableBytes == ByteBuffer.unsignedVarintByteCount(UInt64(value)))
            #expect(try buffer.readUnsignedVarint() == value)
        }
    }

    @Test func truncatedVarintThrowsAndDoesNotConsume() {
        var buffer = ByteBuffer(bytes: [0x80, 0x80])
        #expect(throws: KafkaWireError.truncated) { try buffer.readUnsignedVarint() }
        #expect(buffer.readableBytes == 2)
        var empty = ByteBuffer()
        #expect(throws: KafkaWireError.truncated) { try empty.readVarlong() }
    }

    @Test func overlongVarintsThrow() {
        // A sixth continuation byte, or a fifth byte with bits beyond 32, is malformed.
        var tooLong = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(throws: KafkaWireError.invalidVarint) { try tooLong.readUnsignedVarint() }
        var overflow = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x1F])
        #expect(throws: KafkaWireError.invalidVarint) { try overflow.readVarint() }
        var longTooLong = ByteBuffer(bytes: Array(repeating: 0xFF, count: 10) + [0x01])
        #expect(throws: KafkaWireError.invalidVarint) { try longTooLong.readVarlong() }
    }
}
