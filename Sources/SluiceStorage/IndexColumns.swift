import NIOCore

/// The entries of a sparse index file (`OffsetIndex`, `TimeIndex`) held in memory as two columns,
/// and how many of them are already in the file. On disk an entry is its two values big-endian,
/// back to back, and the file holds nothing else. Entries strictly increase in both columns.
struct IndexColumns<First: FixedWidthInteger, Second: FixedWidthInteger> {
    static var entrySize: Int { MemoryLayout<First>.size + MemoryLayout<Second>.size }

    private(set) var first: [First] = []
    private(set) var second: [Second] = []
    /// Entries already in the file; the rest are pending.
    private(set) var writtenCount = 0

    var count: Int { first.count }

    mutating func append(_ firstValue: First, _ secondValue: Second) {
        first.append(firstValue)
        second.append(secondValue)
    }

    /// Replaces the entries with the file's, up to (not including) a partial trailing entry, the
    /// first entry that does not strictly increase, or the first that `accept` refuses; truncates
    /// the file to what was kept. Returns how many whole entries were dropped.
    mutating func load(from file: any FileHandleIO, accept: (First, Second) -> Bool) throws -> Int {
        first.removeAll(keepingCapacity: true)
        second.removeAll(keepingCapacity: true)
        let fileSize = try file.size()
        let bytes = try file.read(at: 0, count: Int(fileSize))
        let whole = bytes.readableBytes / Self.entrySize
        first.reserveCapacity(whole + 64)
        second.reserveCapacity(whole + 64)
        var dropped = 0
        for index in 0..<whole {
            let at = bytes.readerIndex + index * Self.entrySize
            let firstValue = bytes.getInteger(at: at, as: First.self)!
            let secondValue = bytes.getInteger(at: at + MemoryLayout<First>.size, as: Second.self)!
            let increasing = first.last.map { firstValue > $0 && secondValue > second.last! } ?? true
            guard increasing && accept(firstValue, secondValue) else {
                dropped = whole - index
                break
            }
            append(firstValue, secondValue)
        }
        writtenCount = count
        if fileSize != Int64(writtenCount * Self.entrySize) {
            try file.truncate(to: Int64(writtenCount * Self.entrySize))
        }
        return dropped
    }

    /// Writes the entries added since the last call, in one write.
    mutating func writePending(to file: any FileHandleIO) throws {
        let pending = count - writtenCount
        guard pending > 0 else { return }
        var buffer = ByteBufferAllocator().buffer(capacity: pending * Self.entrySize)
        for index in writtenCount..<count {
            buffer.writeInteger(first[index])
            buffer.writeInteger(second[index])
        }
        try file.pwrite(buffer, at: Int64(writtenCount * Self.entrySize))
        writtenCount = count
    }

    /// Drops entries that are not yet in the file (after a failed append).
    mutating func dropPending(in file: any FileHandleIO) {
        removeLast(count - writtenCount)
        try? file.truncate(to: Int64(writtenCount * Self.entrySize))
    }

    /// Keeps the first `kept` entries, in memory and in the file.
    mutating func truncate(toCount kept: Int, in file: any FileHandleIO) throws {
        guard kept < count else { return }
        removeLast(count - kept)
        if writtenCount > kept {
            writtenCount = kept
            try file.truncate(to: Int64(kept * Self.entrySize))
        }
    }

    private mutating func removeLast(_ entries: Int) {
        first.removeLast(entries)
        second.removeLast(entries)
    }
}

extension Array {
    /// How many elements come before the first one that is not `inPrefix`, in an array where every
    /// element that is comes first (a binary search).
    func prefixCount(where inPrefix: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if inPrefix(self[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
