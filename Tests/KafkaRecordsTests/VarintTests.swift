import NIOCore
import Testing

@testable import KafkaRecords

@Suite struct VarintTests {
    func readVarint(_ bytes: [UInt8]) throws(RecordBatchError) -> (value: Int32, used: Int) {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(RecordBatchError) -> (Int32, Int) in
                var cursor = RecordCursor(bytes: raw, position: 0, end: raw.count)
                let value = try cursor.readVarint()
                return (value, cursor.position)
            }
        }.get()
    }

    func readVarlong(_ bytes: [UInt8]) throws(RecordBatchError) -> Int64 {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(RecordBatchError) -> Int64 in
                var cursor = RecordCursor(bytes: raw, position: 0, end: raw.count)
                return try cursor.readVarlong()
            }
        }.get()
    }

    @Test func knownZigzagEncodings() throws {
        // Zigzag maps 0, -1, 1, -2, 2 ... to 0, 1, 2, 3, 4 ...
        var bytes = ByteBuffer()
        bytes.writeVarint(0)
        bytes.writeVarint(-1)
        bytes.writeVarint(1)
        bytes.writeVarint(-64)
        bytes.writeVarint(64)
        #expect(Array(bytes.readableBytesView) == [0x00, 0x01, 0x02, 0x7F, 0x80, 0x01])
        #expect(try readVarint([0x80, 0x01]) == (64, 2))
        #expect(try readVarint([0x7F]) == (-64, 1))
    }

    @Test(arguments: [Int32.min, -300, -1, 0, 1, 63, 64, 8191, 8192, 1 << 20, .max])
    func varintRoundTrip(value: Int32) throws {
        var bytes = ByteBuffer()
        let written = bytes.writeVarint(value)
        #expect(written == varintSize(value))
        let (decoded, used) = try readVarint(Array(bytes.readableBytesView))
        #expect(decoded == value && used == written)
    }

    @Test(arguments: [Int64.min, -1, 0, 1, 1_700_000_000_000, -1_700_000_000_000, .max])
    func varlongRoundTrip(value: Int64) throws {
        var bytes = ByteBuffer()
        let written = bytes.writeVarlong(value)
        #expect(written == varlongSize(value))
        #expect(try readVarlong(Array(bytes.readableBytesView)) == value)
    }

    @Test func overlongAndTruncatedVarintsAreInvalid() {
        #expect(throws: RecordBatchError.self) { try readVarint([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]) }
        #expect(throws: RecordBatchError.self) { try readVarlong([UInt8](repeating: 0xFF, count: 11)) }
        #expect(throws: RecordBatchError.self) { try readVarint([0x80]) }
        #expect(throws: RecordBatchError.self) { try readVarint([]) }
    }
}
