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
    static let entrySize = Entries.entrySize

    /// Relative offsets (first) and positions (second).
    private typealias Entries = IndexColumns<UInt32, UInt32>

    let baseOffset: Int64
    let file: any FileHandleIO
    private var entries = Entries()
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
            return entries.count
        }
    }

    var sizeInBytes: Int { entries.count * Self.entrySize }

    /// Reads the entries from the file, dropping a partial trailing entry and any entry that is not
    /// strictly increasing or that points at or past `logSize` (when given). Truncates the file to
    /// what was kept. Returns the number of entries dropped.
    @discardableResult
    func load(logSize: Int64? = nil) throws -> Int {
        let dropped = try entries.load(from: file) { _, position in logSize.map { Int64(position) < $0 } ?? true }
        isLoaded = true
        return dropped
    }

    private func loadIfNeeded() throws {
        if !isLoaded { try load() }
    }

    /// Adds an entry in memory; `writePending` puts it in the file.
    func append(offset: Int64, position: Int64) throws {
        try loadIfNeeded()
        entries.append(UInt32(offset - baseOffset), UInt32(position))
    }

    /// Writes the entries added since the last call, in one write.
    func writePending() throws {
        try entries.writePending(to: file)
    }

    /// Drops entries that are not yet in the file (after a failed append).
    func dropPending() {
        entries.dropPending(in: file)
    }

    /// Keeps the first `count` entries, in memory and in the file.
    func truncate(toCount count: Int) throws {
        try loadIfNeeded()
        try entries.truncate(toCount: count, in: file)
    }

    /// The entry with the largest offset ≤ `offset`, or the segment start.
    func floor(offset: Int64) throws -> (offset: Int64, position: Int64) {
        try loadIfNeeded()
        let relative = offset - baseOffset
        guard relative >= 0 else { return (baseOffset, 0) }
        return entry(before: entries.first.prefixCount { Int64($0) <= relative })
    }

    /// The entry with the largest position ≤ `position`, or the segment start.
    func floor(position: Int64) throws -> (offset: Int64, position: Int64) {
        try loadIfNeeded()
        return entry(before: entries.second.prefixCount { Int64($0) <= position })
    }

    /// The entry at `index` (0-based).
    func entry(at index: Int) throws -> (offset: Int64, position: Int64) {
        try loadIfNeeded()
        return (baseOffset + Int64(entries.first[index]), Int64(entries.second[index]))
    }

    /// The last of the first `count` entries, or the segment start when there are none.
    private func entry(before count: Int) -> (offset: Int64, position: Int64) {
        guard count > 0 else { return (baseOffset, 0) }
        return (baseOffset + Int64(entries.first[count - 1]), Int64(entries.second[count - 1]))
    }
}
