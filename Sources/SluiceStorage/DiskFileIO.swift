#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real file system, through POSIX calls. Directory entries are made durable (fsync of the
/// parent directory) after every create, rename and remove, so a power loss cannot lose a segment.
public final class DiskFileIO: FileIO {
    public init() {}

    public func openFile(atPath path: String, create: Bool) throws -> any FileHandleIO {
        let existed = fileExists(atPath: path)
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = try retryingSyscall { open(path, flags, 0o644) }
        if create && !existed {
            do { try syncDirectory(atPath: parentDirectory(of: path)) } catch {
                closeDescriptor(fd)
                throw error
            }
        }
        return DiskFileHandle(descriptor: fd)
    }

    public func listDirectory(atPath path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw StorageError.lastSystemError }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func createDirectory(atPath path: String) throws {
        if isDirectory(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path && !isDirectory(parent) { try createDirectory(atPath: parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw StorageError.lastSystemError }
        try syncDirectory(atPath: parent)
    }

    public func syncDirectory(atPath path: String) throws {
        let fd = try retryingSyscall { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { closeDescriptor(fd) }
        try retryingSyscall { fsyncDescriptor(fd) }
    }

    public func fileExists(atPath path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    public func removeItem(atPath path: String) throws {
        try removeRecursively(path)
        try syncDirectory(atPath: parentDirectory(of: path))
    }

    public func moveItem(atPath source: String, toPath destination: String) throws {
        try retryingSyscall { rename(source, destination) }
        try syncDirectory(atPath: parentDirectory(of: destination))
        let sourceParent = parentDirectory(of: source)
        if sourceParent != parentDirectory(of: destination) { try syncDirectory(atPath: sourceParent) }
    }

    private func removeRecursively(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw StorageError.lastSystemError
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(atPath: path) { try removeRecursively(path + "/" + name) }
            if rmdir(path) != 0 && errno != ENOENT { throw StorageError.lastSystemError }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw StorageError.lastSystemError
        }
    }

    private func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

/// The directory part of `path` ("." when there is none).
func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}
