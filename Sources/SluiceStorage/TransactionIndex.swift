import NIOCore

/// An aborted transaction of one partition: the offsets of its first record and of its ABORT
/// marker. A read_committed consumer drops that producer's records in between.
public struct AbortedTransaction: Sendable, Equatable {
    public var producerId: Int64
    public var firstOffset: Int64
    public var lastOffset: Int64
    /// The partition's last stable offset once the marker was written.
    public var lastStableOffset: Int64

    public init(producerId: Int64, firstOffset: Int64, lastOffset: Int64, lastStableOffset: Int64) {
        self.producerId = producerId
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.lastStableOffset = lastStableOffset
    }
}

/// The aborted-transaction index of a segment, `<base offset>.txnindex`, in Kafka's layout: one
/// entry per ABORT marker appended to that segment, in offset order, each 34 bytes, big-endian:
///
/// | bytes | field |
/// |---|---|
/// | 0..<2 | version Int16 = 0 |
/// | 2..<10 | producer id Int64 |
/// | 10..<18 | first offset Int64 |
/// | 18..<26 | last offset (the marker's) Int64 |
/// | 26..<34 | last stable offset Int64 |
///
/// Written (not fsynced) when the marker is appended, fsynced with the segment when it becomes
/// inactive or the log closes; a crash can lose the active segment's tail, which recovery rebuilds
/// from the markers it replays.
enum TransactionIndex {
    static let suffix = ".txnindex"
    static let entrySize = 34

    static func path(directory: String, baseOffset: Int64) -> String {
        SegmentFileNames.path(directory: directory, baseOffset: baseOffset, suffix: suffix)
    }

    /// Appends `entries` to the index of the segment at `baseOffset`.
    /// `pathSuffix` names another file of it (the cleaner's `.cleaned` copy).
    static func append(
        _ entries: [AbortedTransaction], directory: String, baseOffset: Int64, io: any FileIO, pathSuffix: String = ""
    ) throws {
        guard !entries.isEmpty else { return }
        let file = try io.openFile(
            atPath: path(directory: directory, baseOffset: baseOffset) + pathSuffix, create: true)
        defer { try? file.close() }
        var bytes = ByteBuffer()
        for entry in entries {
            bytes.writeInteger(Int16(0))
            bytes.writeInteger(entry.producerId)
            bytes.writeInteger(entry.firstOffset)
            bytes.writeInteger(entry.lastOffset)
            bytes.writeInteger(entry.lastStableOffset)
        }
        let size = try file.size()
        try file.pwrite(bytes, at: size - size % Int64(entrySize))
    }

    /// Fsyncs the index of the segment at `baseOffset`, if it has one.
    static func sync(directory: String, baseOffset: Int64, io: any FileIO) throws {
        let path = path(directory: directory, baseOffset: baseOffset)
        guard io.fileExists(atPath: path) else { return }
        let file = try io.openFile(atPath: path, create: false)
        defer { try? file.close() }
        try file.fsync()
    }

    /// The entries of the segment at `baseOffset` whose marker is below `notFrom`; the file is cut
    /// to them, since the log from `notFrom` on is replayed and re-adds its entries.
    static func load(directory: String, baseOffset: Int64, notFrom: Int64, io: any FileIO) throws
        -> [AbortedTransaction]
    {
        let path = path(directory: directory, baseOffset: baseOffset)
        guard io.fileExists(atPath: path) else { return [] }
        let file = try io.openFile(atPath: path, create: false)
        defer { try? file.close() }
        let size = try file.size()
        var bytes = try file.read(at: 0, count: Int(size))
        var entries: [AbortedTransaction] = []
        while bytes.readableBytes >= entrySize {
            _ = bytes.readInteger(as: Int16.self)
            let entry = AbortedTransaction(
                producerId: bytes.readInteger()!, firstOffset: bytes.readInteger()!, lastOffset: bytes.readInteger()!,
                lastStableOffset: bytes.readInteger()!)
            if entry.lastOffset >= notFrom { break }
            entries.append(entry)
        }
        let kept = Int64(entries.count * entrySize)
        if kept != size { try file.truncate(to: kept) }
        return entries
    }
}
