/// Chooses the partition of a record the way the Java client does: murmur2 of the key bytes,
/// made positive, modulo the partition count (so a key lands where Java's and librdkafka's
/// `murmur2_random` put it); records without a key stick to one partition until its batch
/// closes, then move on to another (KIP-480), so null-key traffic still forms full batches.
public struct Partitioner: Sendable {
    private var sticky: [String: Int32] = [:]
    private var random = SystemRandomNumberGenerator()

    public init() {}

    /// The partition for `key` among `partitionCount` partitions of `topic`.
    public mutating func partition(topic: String, key: [UInt8]?, partitionCount: Int) -> Int32 {
        precondition(partitionCount > 0)
        if let key {
            return Self.partition(forKey: key, partitionCount: partitionCount)
        }
        if let current = sticky[topic], current < partitionCount { return current }
        let chosen = Int32(Int.random(in: 0..<partitionCount, using: &random))
        sticky[topic] = chosen
        return chosen
    }

    /// The keyed-partition rule alone: `toPositive(murmur2(key)) % partitionCount`.
    public static func partition(forKey key: [UInt8], partitionCount: Int) -> Int32 {
        Int32((murmur2(key) & 0x7fff_ffff) % Int32(partitionCount))
    }

    /// A batch of `topic` closed: the next null-key record picks a new partition (a different
    /// one when there is a choice).
    public mutating func batchClosed(topic: String, partition: Int32, partitionCount: Int) {
        guard sticky[topic] == partition else { return }
        guard partitionCount > 1 else { return }
        var next = Int32(Int.random(in: 0..<(partitionCount - 1), using: &random))
        if next >= partition { next += 1 }
        sticky[topic] = next
    }

    /// MurmurHash2 (32-bit, seed 0x9747b28c) exactly as Kafka's `Utils.murmur2`, including its
    /// little-endian word reads and signed-int wraparound.
    public static func murmur2(_ data: [UInt8]) -> Int32 {
        let length = data.count
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let words = length / 4
        data.withUnsafeBufferPointer { bytes in
            for i in 0..<words {
                let at = i * 4
                var k =
                    UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
                    | UInt32(bytes[at + 3]) << 24
                k = k &* m
                k ^= k >> r
                k = k &* m
                h = h &* m
                h ^= k
            }
            let tail = length & ~3
            switch length % 4 {
            case 3:
                h ^= UInt32(bytes[tail + 2]) << 16
                h ^= UInt32(bytes[tail + 1]) << 8
                h ^= UInt32(bytes[tail])
                h = h &* m
            case 2:
                h ^= UInt32(bytes[tail + 1]) << 8
                h ^= UInt32(bytes[tail])
                h = h &* m
            case 1:
                h ^= UInt32(bytes[tail])
                h = h &* m
            default:
                break
            }
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }
}
