import NIOCore

/// A small file of Int64 values in a partition directory, each 8 bytes big-endian, replaced
/// atomically (written to a temporary file, fsynced, renamed over the old one), so a crash leaves
/// the old or the new values. Two of them (Kafka keeps the same facts in its log-dir checkpoints):
///
/// - `log-start-offset`: [log start offset] set by DeleteRecords, which may lie inside the first
///   segment, so that it survives a restart;
/// - `cleaner-checkpoint`: [first dirty offset, earliest pending delete horizon] after a cleaning
///   pass, so that a restart neither re-cleans the whole log nor forgets a tombstone's horizon.
enum OffsetCheckpointFile {
    static let logStart = "log-start-offset"
    static let cleaner = "cleaner-checkpoint"

    static func write(_ values: [Int64], name: String, directory: String, io: any FileIO) throws {
        let path = directory + "/" + name
        let temporary = path + ".tmp"
        let file = try io.openFile(atPath: temporary, create: true)
        do {
            try file.truncate(to: 0)
            var bytes = ByteBufferAllocator().buffer(capacity: 8 * values.count)
            for value in values { bytes.writeInteger(value) }
            try file.pwrite(bytes, at: 0)
            try file.fsync()
            try file.close()
        } catch {
            try? file.close()
            throw error
        }
        try io.moveItem(atPath: temporary, toPath: path)
        try io.syncDirectory(atPath: directory)
    }

    /// The saved values, or nil when there is no file or it does not hold `count` values (then
    /// the log falls back to what it can tell from its segments).
    static func read(name: String, count: Int, directory: String, io: any FileIO) throws -> [Int64]? {
        let path = directory + "/" + name
        guard io.fileExists(atPath: path) else { return nil }
        let file = try io.openFile(atPath: path, create: false)
        defer { try? file.close() }
        var bytes = try file.read(at: 0, count: 8 * count)
        guard bytes.readableBytes == 8 * count else { return nil }
        return (0..<count).map { _ in bytes.readInteger(as: Int64.self)! }
    }
}
