import NIOCore

/// Kafka's first LZ4 writer (message format v0, KAFKA-3160) computed the frame's header checksum
/// over the 4-byte magic number as well as the frame descriptor, so the LZ4 library rejects those
/// frames. Kafka kept reading them for magic 0; so does Sluice, by putting the correct header
/// checksum in place before decoding. Frame layout: magic `04 22 4D 18`, FLG, BD, [content size,
/// 8 bytes, if FLG bit 3], [dictionary id, 4 bytes, if FLG bit 0], HC = second byte of the
/// XXH32 (seed 0) of the descriptor bytes FLG through dictionary id.
public enum LZ4LegacyFrame {
    public static let magic: [UInt8] = [0x04, 0x22, 0x4D, 0x18]

    /// `frame` with its header checksum recomputed over the descriptor alone; unchanged when it
    /// does not start like an LZ4 frame (the decoder then reports it as corrupt).
    public static func withCorrectHeaderChecksum(_ frame: ByteBuffer) -> ByteBuffer {
        guard let head = frame.getBytes(at: frame.readerIndex, length: 5), Array(head[0..<4]) == magic else {
            return frame
        }
        let flags = head[4]
        let descriptorLength = 2 + (flags & 0x08 != 0 ? 8 : 0) + (flags & 0x01 != 0 ? 4 : 0)
        let checksumIndex = frame.readerIndex + 4 + descriptorLength
        guard let descriptor = frame.getBytes(at: frame.readerIndex + 4, length: descriptorLength),
            checksumIndex < frame.writerIndex
        else { return frame }
        var fixed = frame
        fixed.setInteger(UInt8(truncatingIfNeeded: xxh32(descriptor) >> 8), at: checksumIndex)
        return fixed
    }

    /// XXH32 with seed 0 for inputs shorter than 16 bytes (a frame descriptor is at most 14).
    public static func xxh32(_ bytes: [UInt8]) -> UInt32 {
        let prime1: UInt32 = 2_654_435_761
        let prime2: UInt32 = 2_246_822_519
        let prime3: UInt32 = 3_266_489_917
        let prime4: UInt32 = 668_265_263
        let prime5: UInt32 = 374_761_393
        precondition(bytes.count < 16, "only the short-input form is implemented")
        var hash = prime5 &+ UInt32(bytes.count)
        var index = 0
        while index + 4 <= bytes.count {
            let word =
                UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                | UInt32(bytes[index + 3]) << 24
            hash = rotateLeft(hash &+ word &* prime3, 17) &* prime4
            index += 4
        }
        while index < bytes.count {
            hash = rotateLeft(hash &+ UInt32(bytes[index]) &* prime5, 11) &* prime1
            index += 1
        }
        hash ^= hash >> 15
        hash = hash &* prime2
        hash ^= hash >> 13
        hash = hash &* prime3
        hash ^= hash >> 16
        return hash
    }

    private static func rotateLeft(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }
}
