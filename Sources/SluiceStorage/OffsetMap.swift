/// The cleaner's map from key to the offset of its latest record in the dirty part of a log.
///
/// Keys are stored as a 64-bit hash (Swift's seeded SipHash), not as bytes, so that a map of
/// millions of keys stays small (about 40 bytes an entry with the table's slack), as Kafka's
/// cleaner stores an MD5 digest. Two keys with the same hash would make the older one's latest
/// record look superseded; with 64 bits and a million keys that chance is about 3 in 100 million
/// per pass. The seed is per process, which is fine: a map lives for one pass.
struct OffsetMap {
    private var offsets: [Int: Int64] = [:]
    /// Most entries the map may hold (`log.cleaner.dedupe.buffer.size` / 24, as Kafka sizes it).
    let capacity: Int
    /// The last offset put into the map; records after it were not seen and are always kept.
    private(set) var latestOffset: Int64 = -1

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    var count: Int { offsets.count }
    var isFull: Bool { offsets.count >= capacity }

    static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: key)
        return hasher.finalize()
    }

    /// Records that `key`'s latest record is at `offset` (offsets arrive in increasing order).
    mutating func put(_ key: UnsafeRawBufferPointer, offset: Int64) {
        offsets[Self.hash(key)] = offset
        latestOffset = offset
    }

    /// Moves `latestOffset` past records that were read but had nothing to map (no key, or
    /// transactional records, which the cleaner keeps whole).
    mutating func advance(to offset: Int64) {
        latestOffset = max(latestOffset, offset)
    }

    /// Offset of the latest record of `key`, or nil when the dirty part does not have the key.
    func latestOffset(of key: UnsafeRawBufferPointer) -> Int64? {
        offsets[Self.hash(key)]
    }
}
