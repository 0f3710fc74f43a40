import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes of a `records` field: either in memory, or a range of a segment file that the
/// connection sends straight to the socket (sendfile) without copying it through Swift buffers.
public enum RecordsPayload: Sendable, Equatable {
    case bytes(ByteBuffer)
    case file(FileSlice)

    /// Number of bytes the payload puts on the wire.
    public var byteCount: Int {
        switch self {
        case .bytes(let buffer): return buffer.readableBytes
        case .file(let slice): return slice.count
        }
    }
}

/// A byte range of an open file. The descriptor is owned by `OwnedFileDescriptor`, so it stays
/// valid until the last slice that refers to it is gone, even if the segment is deleted meanwhile.
public struct FileSlice: Sendable, Equatable {
    public let file: OwnedFileDescriptor
    public let offset: Int64
    public let count: Int

    public init(file: OwnedFileDescriptor, offset: Int64, count: Int) {
        self.file = file
        self.offset = offset
        self.count = count
    }

    public static func == (lhs: FileSlice, rhs: FileSlice) -> Bool {
        lhs.file === rhs.file && lhs.offset == rhs.offset && lhs.count == rhs.count
    }

    /// Reads the slice into memory (for tests and for the rare path that needs the bytes).
    public func readAll(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer? {
        var buffer = allocator.buffer(capacity: count)
        let ok = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw -> Int in
            var done = 0
            while done < count {
                let n = pread(file.descriptor, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n <= 0 { return done }
                done += n
            }
            return done
        }
        return ok == count ? buffer : nil
    }
}

/// A file descriptor closed when the last reference goes away.
public final class OwnedFileDescriptor: Sendable {
    public let descriptor: CInt

    /// Takes ownership of `descriptor` (typically a `dup` of a segment's descriptor).
    public init(takingOwnershipOf descriptor: CInt) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}

/// Where an encoded message refers to file bytes: they belong at `bufferIndex` of the encoded buffer.
public struct FileSplice: Sendable {
    public let bufferIndex: Int
    public let slice: FileSlice
}

/// The sink generated encoders write into: a buffer plus the file ranges to splice into it.
/// Total encoded size is `buffer.readableBytes + splices' counts`.
public struct WireWriter {
    public var buffer: ByteBuffer
    public private(set) var splices: [FileSplice] = []

    public init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// Writes a records payload's bytes (in memory) or notes a splice (file).
    public mutating func writeRecordsPayload(_ payload: RecordsPayload) {
        switch payload {
        case .bytes(var bytes):
            buffer.writeBuffer(&bytes)
        case .file(let slice):
            splices.append(FileSplice(bufferIndex: buffer.writerIndex, slice: slice))
        }
    }

    /// Bytes this writer will put on the wire.
    public var totalByteCount: Int {
        buffer.readableBytes + splices.reduce(0) { $0 + $1.slice.count }
    }
}
