import NIOCore

/// The sparse time index of one segment: the `<base offset>.timeindex` file.
///
/// File format: a sequence of 12-byte entries, nothing else (no header, no preallocation):
///
///     bytes 0..<8   timestamp        Int64  big-endian  (largest timestamp in the segment so far)
///     bytes 8..<12  relative offset  UInt32 big-endian  (last offset of the batch holding it − base)
///
/// An entry is added together with an offset-index entry when the segment's largest timestamp
/// grew since the previous entry, and once more when the segment stops being active (so the last
/// entry always holds the segment's largest timestamp). Timestamps and offsets strictly increase.
/// Append-only: a crash leaves at most a partial last entry.
///
/// Inactive segments load only the last entry (for retention and `maxTimestampEntry`); all
/// entries are read on the first timestamp lookup.
final class TimeIndex {
    static let entrySize = Entries.entrySize

    /// Timestamps (first) and relative offsets (second).
    private typealias Entries = IndexColumns<Int64, UInt32>

    let baseOffset: Int64
    let file: any FileHandleIO
    private var entries = Entries()
    private var isLoaded: Bool

    init(baseOffset: Int64, file: any FileHandleIO, loaded: Bool) {
        self.baseOffset = baseOffset
        self.file = file
        self.isLoaded = loaded
    }

    var sizeInBytes: Int { entries.count * Self.entrySize }

    /// Reads all entries, dropping a partial trailing entry, entries that do not strictly increase,
    /// and entries whose offset is ≥ `nextOffset` (when given); truncates the file to what was kept.
    func load(nextOffset: Int64? = nil) throws {
        _ = try entries.load(from: file) { _, relative in
            nextOffset.map { baseOffset + Int64(relative) < $0 } ?? true
        }
        isLoaded = true
    }

    private func loadIfNeeded() throws {
        if !isLoaded { try load() }
    }

    /// The last entry, reading only it from the file when the index is not loaded.
    func lastEntry() throws -> (timestamp: Int64, offset: Int64)? {
        if isLoaded {
            guard let timestamp = entries.first.last else { return nil }
            return (timestamp, baseOffset + Int64(entries.second.last!))
        }
        let fileSize = try file.size()
        let whole = fileSize / Int64(Self.entrySize)
        guard whole > 0 else { return nil }
        let bytes = try file.read(at: (whole - 1) * Int64(Self.entrySize), count: Self.entrySize)
        guard bytes.readableBytes == Self.entrySize else { return nil }
        let timestamp = bytes.getInteger(at: bytes.readerIndex, as: Int64.self)!
        let relative = bytes.getInteger(at: bytes.readerIndex + 8, as: UInt32.self)!
        return (timestamp, baseOffset + Int64(relative))
    }

    /// Adds an entry in memory if it raises the largest timestamp; `writePending` writes it.
    func maybeAppend(timestamp: Int64, offset: Int64) throws {
        try loadIfNeeded()
        let relative = UInt32(offset - baseOffset)
        if let last = entries.first.last, timestamp <= last || relative <= entries.second.last! { return }
        entries.append(timestamp, relative)
    }

    /// Writes the entries added since the last call, in one write.
    func writePending() throws {
        try entries.writePending(to: file)
    }

    /// Drops entries that are not yet in the file (after a failed append).
    func dropPending() {
        entries.dropPending(in: file)
    }

    /// The entry with the largest timestamp strictly below `timestamp`, if any: every record at or
    /// before its offset is older than `timestamp`.
    func lastEntry(before timestamp: Int64) throws -> (timestamp: Int64, offset: Int64)? {
        try loadIfNeeded()
        let below = entries.first.prefixCount { $0 < timestamp }
        guard below > 0 else { return nil }
        return (entries.first[below - 1], baseOffset + Int64(entries.second[below - 1]))
    }
}
