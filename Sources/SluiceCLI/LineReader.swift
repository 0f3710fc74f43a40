#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads lines from a file descriptor in 64 KiB chunks (stdin or a file given to `sluice produce`),
/// without Foundation's whole-file buffering, so a multi-gigabyte file streams in constant memory.
/// Lines are split on "\n"; a trailing "\r" is dropped; a last line without "\n" still counts.
public struct LineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    /// Bytes consumed so far (for progress bars).
    public private(set) var bytesRead = 0

    public init(fileDescriptor: Int32) {
        self.fd = fileDescriptor
    }

    /// The next line, or nil at end of input.
    public mutating func next() throws -> Substring? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = take(upTo: newline)
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = take(upTo: buffer.count)
                start = buffer.count
                return line
            }
            try fill()
        }
    }

    private func take(upTo end: Int) -> Substring {
        var stop = end
        if stop > start, buffer[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
        return Substring(decoding: buffer[start..<stop], as: UTF8.self)
    }

    private mutating func fill() throws {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { return }
            throw CLIFailure.badInput("read failed (errno \(errno))")
        }
        if n == 0 {
            atEnd = true
            return
        }
        bytesRead += n
        buffer.append(contentsOf: chunk[0..<n])
    }
}
