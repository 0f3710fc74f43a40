import NIOConcurrencyHelpers

/// An in-memory file system for tests, with fault injection.
///
/// For every file it keeps the bytes written so far and the bytes made durable by the last
/// `fsync`. `crash(tornTailBytes:)` simulates a power loss; `failWrites(afterBytes:with:)` and
/// `failNextFsync()` simulate a full or failing device. Directory operations are durable at once.
public final class MemoryFileIO: FileIO, @unchecked Sendable {
    /// One file's contents, shared by the handles open on it (like an inode).
    final class Node {
        var written: [UInt8] = []
        var durable: [UInt8] = []
    }

    let lock = NIOLock()
    // All state below is guarded by `lock`.
    private var files: [String: Node] = [:]
    private var directories: Set<String> = ["/", "."]
    /// Bumped by `crash`; handles opened before it are dead.
    private(set) var generation = 0
    /// Bytes that may still be written before writes fail (nil: no limit).
    private var writeBudget: Int?
    private var writeFailure: StorageError = .noSpace
    private var fsyncShouldFail = false
    /// Mutating operations (writes, truncations, fsyncs, renames, removals, file creations) that
    /// may still run before every one fails (nil: no limit) — a crash between any two steps.
    private var operationBudget: Int?

    public init() {}

    // MARK: Fault injection

    /// Simulates a power loss: every file reverts to its durable (fsynced) content, keeping the
    /// first `tornTailBytes` bytes of its unsynced tail (a torn write). Open handles stop working.
    public func crash(tornTailBytes: Int = 0) {
        lock.withLock {
            for node in files.values {
                var content = node.durable
                if node.written.count > content.count && tornTailBytes > 0 {
                    let keep = min(tornTailBytes, node.written.count - content.count)
                    content += node.written[content.count..<(content.count + keep)]
                }
                node.written = content
                node.durable = content
            }
            generation += 1
            writeBudget = nil
            fsyncShouldFail = false
            operationBudget = nil
        }
    }

    /// Makes writes fail with `error` once `afterBytes` more bytes were written; the write that
    /// crosses the limit writes the bytes that fit first, as a real disk would.
    public func failWrites(afterBytes: Int, with error: StorageError = .noSpace) {
        lock.withLock {
            writeBudget = afterBytes
            writeFailure = error
        }
    }

    /// Stops failing writes.
    public func allowWrites() {
        lock.withLock { writeBudget = nil }
    }

    /// Lets `count` more mutating operations succeed, then fails every later one with
    /// `StorageError.io(EIO)` until `crash`: the machine stopped right there. Tests call it with
    /// 0, 1, 2, … to stop a multi-step procedure after each of its steps.
    public func failOperations(after count: Int) {
        lock.withLock { operationBudget = count }
    }

    /// Counts one mutating operation against the budget; throws once it is spent. Call with `lock` held.
    func spendOperation() throws {
        guard let budget = operationBudget else { return }
        guard budget > 0 else { throw StorageError.io(5) }
        operationBudget = budget - 1
    }

    /// Makes the next `fsync` of any file fail with `StorageError.io(EIO)`.
    public func failNextFsync() {
        lock.withLock { fsyncShouldFail = true }
    }

    /// The bytes of a file as written (tests inspect and garble files through this).
    public func contents(atPath path: String) -> [UInt8]? {
        lock.withLock { files[normalized(path)]?.written }
    }

    /// Replaces the bytes of a file, durably (tests use it to garble a file).
    public func setContents(_ bytes: [UInt8], atPath path: String) {
        lock.withLock {
            let node = files[normalized(path)] ?? Node()
            node.written = bytes
            node.durable = bytes
            files[normalized(path)] = node
        }
    }

    // MARK: FileIO

    public func openFile(atPath path: String, create: Bool) throws -> any FileHandleIO {
        try lock.withLock {
            let path = normalized(path)
            if let node = files[path] { return MemoryFileHandle(io: self, node: node, generation: generation) }
            guard create else { throw StorageError.io(2) }  // ENOENT
            guard directories.contains(parentDirectory(of: path)) else { throw StorageError.io(2) }
            try spendOperation()
            let node = Node()
            files[path] = node
            return MemoryFileHandle(io: self, node: node, generation: generation)
        }
    }

    public func listDirectory(atPath path: String) throws -> [String] {
        try lock.withLock {
            let path = normalized(path)
            guard directories.contains(path) else { throw StorageError.io(2) }
            let prefix = path == "/" ? "/" : path + "/"
            let children = Array(files.keys) + Array(directories)
            return children.compactMap { child in
                guard child.hasPrefix(prefix), child != path else { return nil }
                let rest = child.dropFirst(prefix.count)
                return rest.contains("/") || rest.isEmpty ? nil : String(rest)
            }
        }
    }

    public func createDirectory(atPath path: String) throws {
        lock.withLock {
            var current = normalized(path)
            while !directories.contains(current) {
                directories.insert(current)
                current = parentDirectory(of: current)
            }
        }
    }

    public func syncDirectory(atPath path: String) throws {}

    public func fileExists(atPath path: String) -> Bool {
        lock.withLock {
            let path = normalized(path)
            return files[path] != nil || directories.contains(path)
        }
    }

    public func removeItem(atPath path: String) throws {
        try lock.withLock {
            try spendOperation()
            let path = normalized(path)
            let prefix = path + "/"
            files = files.filter { $0.key != path && !$0.key.hasPrefix(prefix) }
            directories = directories.filter { $0 != path && !$0.hasPrefix(prefix) }
        }
    }

    public func moveItem(atPath source: String, toPath destination: String) throws {
        try lock.withLock {
            try spendOperation()
            let source = normalized(source)
            let destination = normalized(destination)
            if let node = files.removeValue(forKey: source) {
                files[destination] = node
                return
            }
            guard directories.contains(source) else { throw StorageError.io(2) }
            let prefix = source + "/"
            directories = Set(directories.map { $0 == source ? destination : rebase($0, prefix, destination) })
            var moved: [String: Node] = [:]
            for (key, node) in files { moved[rebase(key, prefix, destination)] = node }
            files = moved
        }
    }

    // MARK: Used by MemoryFileHandle (with `lock` held)

    /// How many of `count` bytes may be written now; throws when none may.
    func reserveWrite(_ count: Int) -> (allowed: Int, failure: StorageError?) {
        guard let budget = writeBudget else { return (count, nil) }
        if count <= budget {
            writeBudget = budget - count
            return (count, nil)
        }
        writeBudget = 0
        return (budget, writeFailure)
    }

    /// Whether this fsync must fail (consumes the injected failure).
    func consumeFsyncFailure() -> Bool {
        defer { fsyncShouldFail = false }
        return fsyncShouldFail
    }

    private func normalized(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private func rebase(_ path: String, _ prefix: String, _ destination: String) -> String {
        path.hasPrefix(prefix) ? destination + "/" + path.dropFirst(prefix.count) : path
    }
}
