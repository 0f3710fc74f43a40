/// The cleaner's map from key to the offset of its latest record in the dirty part of a log.
///
/// Keys are stored as a 64-bit hash (Swift's seeded SipHash), not as bytes, so that a map of
/// millions of keys stays small, as Kafka's cleaner stores an MD5 digest. Two keys with the same
/// hash would make the older one's latest record look superseded; with 64 bits and a million keys
/// that chance is about 3 in 100 million per pass. The seed is per process (and so not guessable
/// by a producer choosing keys), which is fine: a map lives for one pass.
///
/// The table is open addressing with linear probing over one flat array of 16-byte slots (hash,
/// offset), indexed by the stored hash itself: a lookup costs one hash of the key and, mostly, one
/// cache line. It starts small and doubles (each pass maps as many keys as the log has, up to
/// `capacity`), so a log of few keys does not cost the whole dedupe buffer.
struct OffsetMap {
    private struct Slot {
        /// 0 marks a free slot (a key hashing to 0 is stored as 1).
        var hash: UInt64
        var offset: Int64
    }

    private var slots: [Slot]
    private var mask: Int
    /// Most entries the map may hold (`log.cleaner.dedupe.buffer.size` / 24, as Kafka sizes it).
    let capacity: Int
    private(set) var count = 0
    /// The last offset put into the map; records after it were not seen and are always kept.
    private(set) var latestOffset: Int64 = -1

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        let initialSlots = 1 << 12
        slots = Array(repeating: Slot(hash: 0, offset: 0), count: initialSlots)
        mask = initialSlots - 1
    }

    var isFull: Bool { count >= capacity }

    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: key)
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        return hash == 0 ? 1 : hash
    }

    /// Records that `key`'s latest record is at `offset` (offsets arrive in increasing order).
    mutating func put(_ key: UnsafeRawBufferPointer, offset: Int64) {
        let hash = Self.hash(key)
        latestOffset = offset
        slots.withUnsafeMutableBufferPointer { slots in
            var index = Int(truncatingIfNeeded: hash) & mask
            while slots[index].hash != 0 && slots[index].hash != hash { index = (index + 1) & mask }
            if slots[index].hash == 0 { count += 1 }
            slots[index] = Slot(hash: hash, offset: offset)
        }
        // At most 3/4 full, so that probe runs stay short.
        if count * 4 > slots.count * 3 { grow() }
    }

    /// Moves `latestOffset` past records that were read but had nothing to map (no key, or
    /// transactional records, which the cleaner keeps whole).
    mutating func advance(to offset: Int64) {
        latestOffset = max(latestOffset, offset)
    }

    /// Offset of the latest record of `key`, or nil when the dirty part does not have the key.
    func latestOffset(of key: UnsafeRawBufferPointer) -> Int64? {
        let hash = Self.hash(key)
        return slots.withUnsafeBufferPointer { slots in
            var index = Int(truncatingIfNeeded: hash) & mask
            while slots[index].hash != 0 {
                if slots[index].hash == hash { return slots[index].offset }
                index = (index + 1) & mask
            }
            return nil
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(hash: 0, offset: 0), count: old.count * 2)
        mask = slots.count - 1
        slots.withUnsafeMutableBufferPointer { slots in
            for slot in old where slot.hash != 0 {
                var index = Int(truncatingIfNeeded: slot.hash) & mask
                while slots[index].hash != 0 { index = (index + 1) & mask }
                slots[index] = slot
            }
        }
    }
}
