import KafkaWire
import NIOCore
import Testing

@Suite struct FrameParserTests {
    func framed(_ bodies: [[UInt8]]) -> [UInt8] {
        bodies.flatMap { body in
            withUnsafeBytes(of: Int32(body.count).bigEndian, Array.init) + body
        }
    }

    @Test func dripOneByteAtATime() throws {
        let bodies: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 9, count: 300)]
        var parser = KafkaFrameParser(maxFrameBytes: 1024)
        var buffer = ByteBuffer()
        var frames: [[UInt8]] = []
        for byte in framed(bodies) {
            buffer.writeInteger(byte)
            while case .frame(let frame) = try parser.parseStep(&buffer) {
                frames.append(Array(frame.readableBytesView))
            }
        }
        #expect(frames == bodies)
        #expect(buffer.readableBytes == 0)
        #expect(try parser.parseStep(&buffer) == .needMoreData)
    }

    @Test func severalFramesInOneRead() throws {
        var parser = KafkaFrameParser(maxFrameBytes: 100)
        var buffer = ByteBuffer(bytes: framed([[1], [2, 2]]) + [0, 0])
        #expect(try parser.parseStep(&buffer) == .frame(ByteBuffer(bytes: [1])))
        #expect(try parser.parseStep(&buffer) == .frame(ByteBuffer(bytes: [2, 2])))
        #expect(try parser.parseStep(&buffer) == .needMoreData)
        #expect(buffer.readableBytes == 2)
    }

    @Test func oversizedFrameRejectedOnPrefixAlone() throws {
        var parser = KafkaFrameParser(maxFrameBytes: 1000)
        var buffer = ByteBuffer(bytes: [0x00, 0x00, 0x03])
        #expect(try parser.parseStep(&buffer) == .needMoreData)
        buffer.writeInteger(UInt8(0xE9))  // 1001 bytes announced, none sent
        #expect(throws: KafkaWireError.frameTooLarge(1001)) { try parser.parseStep(&buffer) }
    }

    @Test func negativeLengthRejected() {
        var parser = KafkaFrameParser(maxFrameBytes: 1000)
        var buffer = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: KafkaWireError.invalidLength(-1)) { try parser.parseStep(&buffer) }
    }

    @Test func frameAtExactlyTheLimitIsAccepted() throws {
        var parser = KafkaFrameParser(maxFrameBytes: 4)
        var buffer = ByteBuffer(bytes: framed([[1, 2, 3, 4]]))
        #expect(try parser.parseStep(&buffer) == .frame(ByteBuffer(bytes: [1, 2, 3, 4])))
    }
}
