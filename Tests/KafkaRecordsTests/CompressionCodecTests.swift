import KafkaRecords
import NIOCore
import Testing

/// Bytes from a hex string (test fixtures).
func hexBytes(_ hex: String) -> ByteBuffer {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return ByteBuffer(bytes: bytes)
}

/// Half text that compresses well, half pseudo-random bytes that do not, across several
/// 32/64 KiB codec blocks.
func mixedPayload(size: Int, seed: UInt64 = 7) -> ByteBuffer {
    var rng = SplitMix64(seed: seed)
    var payload = ByteBuffer()
    while payload.readableBytes < size {
        payload.writeString("sluice record \(payload.readableBytes) ")
        for _ in 0..<16 { payload.writeInteger(UInt8(truncatingIfNeeded: rng.next())) }
    }
    return payload.getSlice(at: 0, length: size)!
}

let compressedCodecs: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]

@Suite struct CompressionCodecTests {
    @Test(arguments: compressedCodecs)
    func roundTripsSmallLargeAndEmptyInputs(codec: CompressionCodec) throws {
        for size in [0, 1, 100, 70_000, 300_000] {
            let input = mixedPayload(size: size)
            let compressed = try codec.compress(input)
            let output = try codec.decompress(compressed, sizeHint: 0)
            #expect(output == input, "\(codec) size \(size)")
        }
    }

    @Test(arguments: compressedCodecs)
    func repetitiveInputShrinks(codec: CompressionCodec) throws {
        let input = ByteBuffer(repeating: 0x61, count: 100_000)
        let compressed = try codec.compress(input)
        #expect(compressed.readableBytes < 10_000, "\(codec) gave \(compressed.readableBytes) bytes")
    }

    @Test func writesTheFormatsKafkaClientsUse() throws {
        let input = ByteBuffer(string: "hello")
        func prefix(_ codec: CompressionCodec, _ count: Int) throws -> [UInt8] {
            try codec.compress(input).getBytes(at: 0, length: count)!
        }
        #expect(try prefix(.gzip, 2) == [0x1F, 0x8B])  // gzip member, not a bare zlib stream
        #expect(try prefix(.snappy, 16) == [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(try prefix(.lz4, 4) == [0x04, 0x22, 0x4D, 0x18])  // LZ4 frame magic
        // FLG: version 01, independent blocks; BD: 64 KiB blocks (Kafka's reader needs both).
        let lz4 = try CompressionCodec.lz4.compress(input)
        #expect(lz4.getInteger(at: 4, as: UInt8.self)! & 0xE0 == 0x60)
        #expect(lz4.getInteger(at: 5, as: UInt8.self)! == 0x40)
        #expect(try prefix(.zstd, 4) == [0x28, 0xB5, 0x2F, 0xFD])
        #expect(try CompressionCodec.none.compress(input) == input)
    }

    @Test func snappyAcceptsARawBlockWithoutXerialFraming() throws {
        // cramjam.snappy.compress_raw(b"hello snappy, hello snappy, hello snappy")
        let raw = hexBytes("283468656c6c6f20736e617070792c20660e00")
        let output = try CompressionCodec.snappy.decompress(raw)
        #expect(output == ByteBuffer(string: "hello snappy, hello snappy, hello snappy"))
    }

    @Test(arguments: compressedCodecs)
    func truncatedStreamsAreCorrupt(codec: CompressionCodec) throws {
        let compressed = try codec.compress(mixedPayload(size: 5_000))
        for keep in [compressed.readableBytes - 1, compressed.readableBytes / 2, 3] {
            let cut = compressed.getSlice(at: 0, length: keep)!
            #expect(isCorrupt(decompressionError(codec, cut)), "\(codec) cut to \(keep)")
        }
    }

    @Test(arguments: compressedCodecs)
    func garbageIsCorrupt(codec: CompressionCodec) {
        let garbage = ByteBuffer(repeating: 0xAB, count: 300)
        #expect(isCorrupt(decompressionError(codec, garbage)))
        #expect(isCorrupt(decompressionError(codec, ByteBuffer())))
    }

    @Test(arguments: compressedCodecs)
    func outputIsBoundedByTheLimit(codec: CompressionCodec) throws {
        let zeros = ByteBuffer(repeating: 0, count: 4 << 20)
        let bomb = try codec.compress(zeros)
        #expect(bomb.readableBytes < 1 << 20)
        #expect(isCorrupt(decompressionError(codec, bomb, limit: 1 << 20)))
        #expect(isCorrupt(decompressionError(codec, bomb, limit: (4 << 20) - 1)))
        // Exactly at the limit is allowed.
        #expect(try codec.decompress(bomb, limit: 4 << 20) == zeros)
    }

    @Test func defaultLimitStopsABombAt64MiB() throws {
        // 65 MiB of zeros is a few KiB of zstd; inflating it must stop at the default limit.
        let bomb = try CompressionCodec.zstd.compress(ByteBuffer(repeating: 0, count: 65 << 20))
        #expect(bomb.readableBytes < 64 << 10)
        #expect(CompressionCodec.defaultDecompressionLimit == 64 << 20)
        #expect(isCorrupt(decompressionError(.zstd, bomb)))
    }

    @Test(arguments: compressedCodecs)
    func mutatedStreamsNeverTrapAndStayBounded(codec: CompressionCodec) throws {
        // The C decoders see hostile bytes: each mutation must decode or be corrupt, never crash
        // or exceed the limit.
        let original = try codec.compress(mixedPayload(size: 20_000))
        var rng = SplitMix64(seed: UInt64(codec.rawValue))
        var rejected = 0
        for _ in 0..<400 {
            var mutated = original
            for _ in 0...Int(rng.next() % 4) {
                let index = Int(rng.next() % UInt64(mutated.readableBytes))
                mutated.setInteger(UInt8(truncatingIfNeeded: rng.next()), at: index)
            }
            do {
                let output = try codec.decompress(mutated, limit: 1 << 20)
                #expect(output.readableBytes <= 1 << 20)
            } catch {
                #expect(isCorrupt(error))
                rejected += 1
            }
        }
        #expect(rejected > 0)
    }

    private func decompressionError(
        _ codec: CompressionCodec, _ input: ByteBuffer, limit: Int = CompressionCodec.defaultDecompressionLimit
    ) -> RecordBatchError? {
        do {
            _ = try codec.decompress(input, limit: limit)
            return nil
        } catch {
            return error
        }
    }
}
