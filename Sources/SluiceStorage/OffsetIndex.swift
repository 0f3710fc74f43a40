import NIOCore

/// The sparse offset index of one segment: the `<base offset>.index` file.
///
/// File format: a sequence of 8-byte entries, nothing else (no header, no preallocation):
///
///     bytes 0..<4  relative offset  UInt32 big-endian  (batch base offset − segment base offset)
///     bytes 4..<8  position         UInt32 big-endian  (byte position of that batch in the .log file)
///
/// One entry is added for a batch when at least `indexIntervalBytes` of log were written since
/// the previous entry. Entries are strictly increasing in both fields. The file is append-only,
/// so a crash leaves at most a partial last entry, which recovery cuts off.
///
/// Entries are kept in memory too (loaded lazily for inactive segments); appends are written to
/// the file in one `pwrite` per log append (`writePending`).
final class OffsetIndex {
    static let entrySize = 8

    let baseOffset: Int64
    let file: any FileHandleIO
    private var relativeOffsets: [UInt32] = []
    private var positions: [UInt32] = []
    /// Entries already in the file; the rest are pending.
    private var writtenCount = 0
    private var isLoaded: Bool

    /// An index over an existing file, read on first use.
    init(baseOffset: Int64, file: any FileHandleIO, loaded: Bool) {
        self.baseOffset = baseOffset
        self.file = file
        self.isLoaded = loaded
    }

    var count: Int {
        get throws {
            try loadIfNeeded()
            return relativeOffsets.count
        }
    }

    var sizeInBytes: Int { relativeOffsets.count * Self.entrySize }

    /// Reads the entries from the file, dropping a partial trailing entry and any entry that is not
    /// strictly increasing or that points at or past `logSize` (when given). Truncates the file to
    /// what was kept. Returns the number of entries dropped.
    @discardableResult
    func load(logSize: Int64? = nil) throws -> Int {
        relativeOffsets.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        let fileSize = try file.size()
        let bytes = try file.read(at: 0, count: Int(fileSize))
        let whole = bytes.readableBytes / Self.entrySize
        relativeOffsets.reserveCapacity(whole + 64)
        positions.reserveCapacity(whole + 64)
        var dropped = 0
        for index in 0..<whole {
            let at = bytes.readerIndex + index * Self.entrySize
            let relative = bytes.getInteger(at: at, as: UInt32.self)!
            let position = bytes.getInteger(at: at + 4, as: UInt32.self)!
            let increasing = relativeOffsets.last.map { relative > $0 && position > positions.last! } ?? true
            let inLog = logSize.map { Int64(position) < $0 } ?? true
            guard increasing && inLog else {
                dropped = whole - index
                break
            }
            relativeOffsets.append(relative)
            positions.append(position)
        }
        writtenCount = relativeOffsets.count
        isLoaded = true
        if fileSize != Int64(writtenCount * Self.entrySize) {
            try file.truncate(to: Int64(writtenCount * Self.entrySize))
        }
        return dropped
    }

    private func loadIfNeeded() throws {
        if !isLoaded { try load() }
    }

    /// Adds an entry in memory; `writePending` puts it in the file.
    func append(offset: Int64, position: Int64) throws {
        try loadIfNeeded()
        relativeOffsets.append(UInt32(offset - baseOffset))
        positions.append(UInt32(position))
    }

    /// Writes the entries added since the last call, in one write.
    func writePending() throws {
        let pending = relativeOffsets.count - writtenCount
        guard pending > 0 else { return }
        var buffer = ByteBufferAllocator().buffer(capacity: pending * Self.entrySize)
        for index in writtenCount..<relativeOffsets.count {
            buffer.writeInteger(relativeOffsets[index])
            buffer.writeInteger(positions[index])
        }
        try file.pwrite(buffer, at: Int64(writtenCount * Self.entrySize))
        writtenCount = relativeOffsets.count
    }

    /// Drops entries that are not yet in the file (after a failed append).
    func dropPending() {
        relativeOffsets.removeLast(relativeOffsets.count - writtenCount)
        positions.removeLast(positions.count - writtenCount)
        try? file.truncate(to: Int64(writtenCount * Self.entrySize))
    }

    /// Keeps the first `count` entries, in memory and in the file.
    func truncate(toCount count: Int) throws {
        try loadIfNeeded()
        guard count < relativeOffsets.count else { return }
        relativeOffsets.removeLast(relativeOffsets.count - count)
        positions.removeLast(positions.count - count)
        if writtenCount > count {
            writtenCount = count
            try file.truncate(to: Int64(count * Self.entrySize))
        }
    }

    /// The entry with the largest offset ≤ `offset`, or the segment start.
    func floor(offset: Int64) throws -> (offset: Int64, position: Int64) {
        try loadIfNeeded()
        let relative = offset - baseOffset
        guard relative >= 0 else { return (baseOffset, 0) }
        // Binary search for the last relative offset ≤ target.
        var low = 0
        var high = relativeOffsets.count
        while low < high {
            let mid = (low + high) / 2
            if Int64(relativeOffsets[mid]) <= relative { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return (baseOffset, 0) }
        return (baseOffset + Int64(relativeOffsets[low - 1]), Int64(positions[low - 1]))
    }

    /// The entry with the largest position ≤ `position`, or the segment start.
    func floor(position: Int64) throws -> (offset: Int64, position: Int64) {
        try loadIfNeeded()
        var low = 0
        var high = positions.count
        while low < high {
            let mid = (low + high) / 2
            if Int64(positions[mid]) <= position { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return (baseOffset, 0) }
        return (baseOffset + Int64(relativeOffsets[low - 1]), Int64(positions[low - 1]))
    }

    /// The entry at `index` (0-based).
    func entry(at index: Int) throws -> (offset: Int64, position: Int64) {
        try loadIfNeeded()
        return (baseOffset + Int64(relativeOffsets[index]), Int64(positions[index]))
    }
}
