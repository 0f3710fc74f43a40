import KafkaWire
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file on disk. Reads and writes are positional (`pread`/`pwrite`), so they need no
/// shared file position. `close` and `fsync` are serialized by a lock so that the flusher
/// thread never fsyncs a descriptor number that was closed and reused meanwhile.
final class DiskFileHandle: FileHandleIO, @unchecked Sendable {
    private let descriptor: CInt
    private let lock = NIOLock()
    private var isClosed = false  // guarded by `lock`

    /// Most iovecs one `pwritev` call takes (IOV_MAX is 1024 on Linux and macOS).
    private static let maxVectors = 1024

    init(descriptor: CInt) {
        self.descriptor = descriptor
    }

    deinit {
        if !isClosed { closeDescriptor(descriptor) }
    }

    func pwrite(_ buffer: ByteBuffer, at offset: Int64) throws {
        try buffer.withUnsafeReadableBytes { try pwrite(bytes: $0, at: offset) }
    }

    func pwrite(bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < bytes.count {
            let written = try retryingSyscall {
                systemPwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            done += written
        }
    }

    func pwrite(gathering parts: [ByteBuffer], at offset: Int64) throws {
        var position = offset
        var start = 0
        while start < parts.count {
            let end = min(start + Self.maxVectors, parts.count)
            position += try writeVectors(parts[start..<end], at: position)
            start = end
        }
    }

    /// Writes up to `maxVectors` parts with `pwritev`, finishing short writes; returns bytes written.
    private func writeVectors(_ parts: ArraySlice<ByteBuffer>, at offset: Int64) throws -> Int64 {
        // The parts stay alive (and so do their storages) for the duration of this call, which
        // keeps the base addresses collected below valid.
        try withExtendedLifetime(parts) {
            var vectors: [iovec] = []
            vectors.reserveCapacity(parts.count)
            var total = 0
            for part in parts where part.readableBytes > 0 {
                let base = part.withUnsafeReadableBytes { UnsafeMutableRawPointer(mutating: $0.baseAddress!) }
                vectors.append(iovec(iov_base: base, iov_len: part.readableBytes))
                total += part.readableBytes
            }
            var done = 0
            var first = 0
            while done < total {
                let written = try vectors[first...].withUnsafeBufferPointer { pointer in
                    try retryingSyscall {
                        pwritev(descriptor, pointer.baseAddress, CInt(pointer.count), off_t(offset) + off_t(done))
                    }
                }
                done += written
                // Skip fully written vectors and advance into a partially written one.
                var remaining = written
                while remaining > 0 {
                    if remaining >= vectors[first].iov_len {
                        remaining -= vectors[first].iov_len
                        first += 1
                    } else {
                        vectors[first].iov_base += remaining
                        vectors[first].iov_len -= remaining
                        remaining = 0
                    }
                }
            }
            return Int64(total)
        }
    }

    func pread(into buffer: inout ByteBuffer, count: Int, at offset: Int64) throws -> Int {
        guard count > 0 else { return 0 }
        var failure: StorageError?
        let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw -> Int in
            var done = 0
            while done < count {
                let n = systemPread(descriptor, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n == 0 { break }
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = StorageError.lastSystemError
                    break
                }
                done += n
            }
            return done
        }
        if let failure { throw failure }
        return read
    }

    func slice(offset: Int64, count: Int) throws -> RecordsPayload {
        let copy = try lock.withLock { () throws -> CInt in
            guard !isClosed else { throw StorageError.closed }
            return try retryingSyscall { dup(descriptor) }
        }
        return .file(FileSlice(file: OwnedFileDescriptor(takingOwnershipOf: copy), offset: offset, count: count))
    }

    func size() throws -> Int64 {
        var info = stat()
        try retryingSyscall { fstat(descriptor, &info) }
        return Int64(info.st_size)
    }

    func truncate(to size: Int64) throws {
        try retryingSyscall { ftruncate(descriptor, off_t(size)) }
    }

    func fsync() throws {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            try retryingSyscall { fsyncDescriptor(descriptor) }
        }
    }

    func close() throws {
        lock.withLock {
            if !isClosed {
                isClosed = true
                closeDescriptor(descriptor)
            }
        }
    }
}
