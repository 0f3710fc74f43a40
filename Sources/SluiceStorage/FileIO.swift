import KafkaWire
import NIOCore

/// Opens files; a file handle is the only way to read or write file contents.
public protocol FileOpening: Sendable {
    /// Opens `path` for reading and writing; creates it (empty) when `create` is true and it is missing.
    func openFile(atPath path: String, create: Bool) throws -> any FileHandleIO
}

/// Directory-level operations.
public protocol DirectoryOperations: Sendable {
    /// Names (not paths) of the entries of `path`, in no particular order.
    func listDirectory(atPath path: String) throws -> [String]
    /// Creates `path` and any missing parents; succeeds if it already exists.
    func createDirectory(atPath path: String) throws
    /// Makes the entries of directory `path` (creations, renames, removals) durable.
    func syncDirectory(atPath path: String) throws
}

/// Path-level operations on files and directories.
public protocol PathOperations: Sendable {
    /// Whether a file or directory exists at `path`.
    func fileExists(atPath path: String) -> Bool
    /// Removes a file, or a directory with everything in it. Missing paths are not an error.
    func removeItem(atPath path: String) throws
    /// Atomically renames `source` to `destination` (same file system).
    func moveItem(atPath source: String, toPath destination: String) throws
}

/// Everything the storage engine needs from a file system. `DiskFileIO` is the real one,
/// `MemoryFileIO` an in-memory one with fault injection for tests.
public protocol FileIO: FileOpening, DirectoryOperations, PathOperations {}

/// Positional writes.
public protocol FileWriting: AnyObject, Sendable {
    /// Writes all readable bytes of `buffer` at `offset`.
    func pwrite(_ buffer: ByteBuffer, at offset: Int64) throws
    /// Writes `bytes` at `offset`.
    func pwrite(bytes: UnsafeRawBufferPointer, at offset: Int64) throws
    /// Writes the readable bytes of every part, one after the other, starting at `offset` —
    /// a gathering (vectored) write, so a batch can be written as "new 8-byte base offset" +
    /// "rest of the batch" without copying the batch.
    func pwrite(gathering parts: [ByteBuffer], at offset: Int64) throws
}

/// Positional reads.
public protocol FileReading: AnyObject, Sendable {
    /// Reads up to `count` bytes at `offset`, appending them to `buffer`; returns how many were read
    /// (fewer only at end of file).
    @discardableResult
    func pread(into buffer: inout ByteBuffer, count: Int, at offset: Int64) throws -> Int
    /// A byte range of the file as a records payload: a zero-copy file slice on disk, bytes in memory.
    func slice(offset: Int64, count: Int) throws -> RecordsPayload
}

/// Whole-file operations.
public protocol FileLifecycle: AnyObject, Sendable {
    /// Current size of the file in bytes.
    func size() throws -> Int64
    /// Cuts (or extends with zeros) the file to `size` bytes.
    func truncate(to size: Int64) throws
    /// Makes everything written so far durable.
    func fsync() throws
    /// Releases the file; later operations throw `StorageError.closed`.
    func close() throws
}

/// An open file.
public protocol FileHandleIO: FileWriting, FileReading, FileLifecycle {}

extension FileReading {
    /// Reads exactly `count` bytes at `offset` into a new buffer, or fewer at end of file.
    public func read(at offset: Int64, count: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        try pread(into: &buffer, count: count, at: offset)
        return buffer
    }
}
