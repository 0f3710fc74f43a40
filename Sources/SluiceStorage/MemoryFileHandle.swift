import KafkaWire
import NIOCore

/// A handle on a `MemoryFileIO` file. Every operation takes the file system's lock.
final class MemoryFileHandle: FileHandleIO, @unchecked Sendable {
    private let io: MemoryFileIO
    private let node: MemoryFileIO.Node
    private let generation: Int
    private var isClosed = false  // guarded by io.lock

    init(io: MemoryFileIO, node: MemoryFileIO.Node, generation: Int) {
        self.io = io
        self.node = node
        self.generation = generation
    }

    /// Runs `body` under the file system's lock if this handle is still usable.
    private func withNode<T>(_ body: (MemoryFileIO.Node) throws -> T) throws -> T {
        try io.lock.withLock {
            guard !isClosed, generation == io.generation else { throw StorageError.closed }
            return try body(node)
        }
    }

    func pwrite(_ buffer: ByteBuffer, at offset: Int64) throws {
        try buffer.withUnsafeReadableBytes { try pwrite(bytes: $0, at: offset) }
    }

    func pwrite(bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        try withNode { node in
            try io.spendOperation()
            let (allowed, failure) = io.reserveWrite(bytes.count)
            let start = Int(offset)
            if node.written.count < start { node.written += repeatElement(0, count: start - node.written.count) }
            let end = start + allowed
            if node.written.count < end { node.written += repeatElement(0, count: end - node.written.count) }
            node.written.withUnsafeMutableBytes { target in
                target.baseAddress!.advanced(by: start).copyMemory(from: bytes.baseAddress!, byteCount: allowed)
            }
            if let failure { throw failure }
        }
    }

    func pwrite(gathering parts: [ByteBuffer], at offset: Int64) throws {
        var position = offset
        for part in parts {
            try pwrite(part, at: position)
            position += Int64(part.readableBytes)
        }
    }

    func pread(into buffer: inout ByteBuffer, count: Int, at offset: Int64) throws -> Int {
        try withNode { node in
            let start = min(Int(offset), node.written.count)
            let end = min(start + count, node.written.count)
            buffer.writeBytes(node.written[start..<end])
            return end - start
        }
    }

    func slice(offset: Int64, count: Int) throws -> RecordsPayload {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        let read = try pread(into: &buffer, count: count, at: offset)
        guard read == count else { throw StorageError.corrupt("slice past end of file") }
        return .bytes(buffer)
    }

    func size() throws -> Int64 {
        try withNode { Int64($0.written.count) }
    }

    func truncate(to size: Int64) throws {
        try withNode { node in
            try io.spendOperation()
            let size = Int(size)
            if node.written.count > size {
                node.written.removeLast(node.written.count - size)
            } else {
                node.written += repeatElement(0, count: size - node.written.count)
            }
        }
    }

    func fsync() throws {
        try withNode { node in
            try io.spendOperation()
            if io.consumeFsyncFailure() { throw StorageError.io(5) }  // EIO
            node.durable = node.written
        }
    }

    func close() throws {
        io.lock.withLock { isClosed = true }
    }
}
