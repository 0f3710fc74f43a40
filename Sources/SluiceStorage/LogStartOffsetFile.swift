import NIOCore

/// `log-start-offset` in a partition directory: the log start offset set by DeleteRecords, which
/// may lie inside the first segment, so that it survives a restart (Kafka keeps the same fact in
/// its log-start-offset-checkpoint). Format: the offset as 8 bytes, big-endian. Written to a
/// temporary file, fsynced and renamed over the old one, so a crash leaves the old or the new value.
enum LogStartOffsetFile {
    static let name = "log-start-offset"

    static func write(_ offset: Int64, directory: String, io: any FileIO) throws {
        let path = directory + "/" + name
        let temporary = path + ".tmp"
        let file = try io.openFile(atPath: temporary, create: true)
        do {
            try file.truncate(to: 0)
            var bytes = ByteBufferAllocator().buffer(capacity: 8)
            bytes.writeInteger(offset)
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

    /// The saved offset, or nil when there is none (or it is unreadable: then the first
    /// segment's base offset is the start, as before DeleteRecords).
    static func read(directory: String, io: any FileIO) throws -> Int64? {
        let path = directory + "/" + name
        guard io.fileExists(atPath: path) else { return nil }
        let file = try io.openFile(atPath: path, create: false)
        defer { try? file.close() }
        let bytes = try file.read(at: 0, count: 8)
        return bytes.readableBytes == 8 ? bytes.getInteger(at: bytes.readerIndex, as: Int64.self) : nil
    }
}
