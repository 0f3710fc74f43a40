import KafkaRecords
import NIOCore
import Testing

@Suite struct CRC32CTests {
    /// Runs the dispatching entry point (hardware when present) or the table path.
    static func crc(_ tableOnly: Bool, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tableOnly ? CRC32C.tableChecksum(bytes) : CRC32C.checksum(bytes)
    }

    @Test(arguments: [false, true])
    func knownVectors(tableOnly: Bool) {
        func check(_ bytes: [UInt8], _ expected: UInt32) {
            let actual = bytes.withUnsafeBytes { Self.crc(tableOnly, $0) }
            #expect(actual == expected, "\(bytes.count) bytes")
        }
        check(Array("123456789".utf8), 0xE306_9283)
        check([UInt8](repeating: 0, count: 32), 0x8A91_36AA)
        check([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43)
        check((0..<32).map { UInt8($0) }, 0x46DD_794E)
        check([], 0)
    }

    @Test func hardwarePathIsUsedOnSSE42() {
        #if arch(x86_64)
            // Every x86-64 machine this project targets has SSE4.2; the table path would be 5x slower.
            #expect(CRC32C.isHardwareAccelerated)
        #endif
    }

    @Test func hardwareAndTableAgreeOnRandomDataAtEveryAlignment() {
        var rng = SplitMix64(seed: 42)
        let data = (0..<(40 * 1024)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            // Past 768 and 12288 bytes the hardware path runs three streams and combines them.
            let lengths = [
                0, 1, 2, 3, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 100, 255, 767, 768, 769, 1000, 1543, 4000,
                12_287, 12_288, 12_289, 13_070, 24_576 + 768 + 13, 40 * 1024 - 9,
            ]
            for length in lengths {
                for start in 0..<9 where start + length <= all.count {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    let seed = UInt32(truncatingIfNeeded: rng.next())
                    #expect(
                        CRC32C.checksum(slice, seed: seed) == CRC32C.tableChecksum(slice, seed: seed),
                        "length \(length) start \(start)")
                }
            }
        }
    }

    @Test func chainingEqualsOneShot() {
        var rng = SplitMix64(seed: 7)
        let data = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            let whole = CRC32C.checksum(all)
            for split in [0, 1, 5, 8, 13, 500, 999, 1000] {
                let first = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[0..<split]))
                let chained = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[split...]), seed: first)
                #expect(chained == whole, "split at \(split)")
            }
        }
    }

    @Test func byteBufferOverloadUsesReadableBytesOnly() {
        var bytes = ByteBuffer(string: "xx123456789")
        bytes.moveReaderIndex(forwardBy: 2)
        #expect(CRC32C.checksum(bytes) == 0xE306_9283)
    }

    @Test func differentDataGivesDifferentChecksums() {
        let a = Array("hello world".utf8)
        var b = a
        b[3] ^= 0x01
        let crcA = a.withUnsafeBytes { CRC32C.checksum($0) }
        let crcB = b.withUnsafeBytes { CRC32C.checksum($0) }
        #expect(crcA != crcB)
    }
}
