#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension StorageError {
    /// Maps an `errno` value: a full device becomes `.noSpace`, anything else `.io(errno)`.
    static func fromErrno(_ code: Int32) -> StorageError {
        code == ENOSPC || code == EDQUOT ? .noSpace : .io(code)
    }

    /// The current thread's `errno`, mapped.
    static var lastSystemError: StorageError { fromErrno(errno) }
}

/// Retries a system call interrupted by a signal; returns its result or throws the mapped errno.
@discardableResult
func retryingSyscall<T: BinaryInteger>(_ call: () -> T) throws(StorageError) -> T {
    while true {
        let result = call()
        if result >= 0 { return result }
        if errno == EINTR { continue }
        throw StorageError.lastSystemError
    }
}

/// `close(2)` under a name that does not clash with `close()` methods.
func closeDescriptor(_ fd: CInt) {
    _ = close(fd)
}

/// `fsync(2)` under a name that does not clash with `fsync()` methods.
func fsyncDescriptor(_ fd: CInt) -> CInt {
    fsync(fd)
}

/// `pwrite(2)` under a name that does not clash with `pwrite` methods.
func systemPwrite(_ fd: CInt, _ bytes: UnsafeRawPointer, _ count: Int, _ offset: off_t) -> Int {
    pwrite(fd, bytes, count, offset)
}

/// `pread(2)` under a name that does not clash with `pread` methods.
func systemPread(_ fd: CInt, _ bytes: UnsafeMutableRawPointer, _ count: Int, _ offset: off_t) -> Int {
    pread(fd, bytes, count, offset)
}
