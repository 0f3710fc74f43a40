import KafkaWire
import NIOCore
import Testing

@Suite struct UUIDAndTaggedFieldTests {
    @Test func uuidWireFormatAndBase64() throws {
        let id = KafkaUUID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
        var buffer = ByteBuffer()
        buffer.writeKafkaUUID(id)
        #expect(Array(buffer.readableBytesView) == Array(1...16))
        #expect(try buffer.readKafkaUUID() == id)
        // Python: base64.urlsafe_b64encode(bytes(range(1,17))).rstrip(b"=") == b"AQIDBAUGBwgJCgsMDQ4PEA"
        #expect(id.base64String == "AQIDBAUGBwgJCgsMDQ4PEA")
        #expect(KafkaUUID(base64String: "AQIDBAUGBwgJCgsMDQ4PEA") == id)
        #expect(KafkaUUID.zero.base64String == "AAAAAAAAAAAAAAAAAAAAAA")
        let urlSafe = KafkaUUID(high: UInt64.max, low: UInt64.max)
        #expect(urlSafe.base64String == "_____________________w")
        #expect(KafkaUUID(base64String: "not base64!") == nil)
    }

    @Test func randomUUIDsAreDistinctAndVersion4() {
        let ids = (0..<50).map { _ in KafkaUUID.random() }
        #expect(Set(ids).count == 50)
        for id in ids {
            #expect((id.high >> 12) & 0xF == 4)
            #expect(id != .zero)
            #expect(!id.base64String.hasPrefix("-"))
            #expect(KafkaUUID(base64String: id.base64String) == id)
        }
    }

    @Test func taggedFieldSectionRoundTripsInTagOrder() throws {
        var buffer = ByteBuffer()
        buffer.writeKafkaTaggedFields([
            TaggedField(tag: 5, data: ByteBuffer(bytes: [0xAA])),
            TaggedField(tag: 1, data: ByteBuffer(bytes: [0xBB, 0xCC])),
        ])
        #expect(Array(buffer.readableBytesView) == [0x02, 0x01, 0x02, 0xBB, 0xCC, 0x05, 0x01, 0xAA])
        let fields = try buffer.readKafkaTaggedFields()
        #expect(fields.map(\.tag) == [1, 5])
        #expect(fields[1].data == ByteBuffer(bytes: [0xAA]))
        var empty = ByteBuffer()
        empty.writeKafkaTaggedFields([])
        #expect(Array(empty.readableBytesView) == [0x00])
    }

    @Test func malformedTaggedSectionsThrow() {
        var truncated = ByteBuffer(bytes: [0x01, 0x00, 0x05, 0x01])
        #expect(throws: KafkaWireError.truncated) { try truncated.readKafkaTaggedFields() }
        var hugeCount = ByteBuffer(bytes: [0xFF, 0xFF, 0x03, 0x00])
        #expect(throws: (any Error).self) { try hugeCount.readKafkaTaggedFields() }
    }

    @Test func recordsPayloadEncoding() throws {
        var writer = WireWriter(buffer: ByteBuffer())
        writer.writeKafkaRecords(.bytes(ByteBuffer(bytes: [7, 8])), compact: true)
        writer.writeKafkaRecords(nil, compact: false)
        #expect(Array(writer.buffer.readableBytesView) == [0x03, 7, 8, 0xFF, 0xFF, 0xFF, 0xFF])
        var buffer = writer.buffer
        #expect(try buffer.readKafkaRecords(compact: true) == .bytes(ByteBuffer(bytes: [7, 8])))
        #expect(try buffer.readKafkaRecords(compact: false) == nil)
    }
}
