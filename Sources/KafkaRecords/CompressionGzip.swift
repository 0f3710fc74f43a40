import CZlib
import NIOCore

/// gzip as Kafka uses it: deflate in a gzip wrapper (zlib window bits 15 + 16).
enum GzipCodec {
    private static let gzipWindowBits: Int32 = 15 + 16

    static func compress(_ input: UnsafeRawBufferPointer) throws(RecordBatchError) -> ByteBuffer {
        var stream = z_stream()
        let initialized = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard initialized == Z_OK else { throw .corrupt("gzip: deflateInit2 failed (\(initialized))") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = ByteBufferAllocator().buffer(capacity: bound)
        var status: Int32 = Z_OK
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { free in
            stream.next_in = UnsafeMutablePointer(mutating: input.nonNullBase.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = free.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(free.count)
            status = deflate(&stream, Z_FINISH)
            return free.count - Int(stream.avail_out)
        }
        guard status == Z_STREAM_END else { throw .corrupt("gzip: deflate failed (\(status))") }
        return output
    }

    /// Inflates one or more concatenated gzip members (as Java's GZIPInputStream accepts).
    static func decompress(
        _ input: UnsafeRawBufferPointer, into output: inout DecompressionOutput
    ) throws(RecordBatchError) {
        var stream = z_stream()
        let initialized = inflateInit2_(&stream, gzipWindowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initialized == Z_OK else { throw .corrupt("gzip: inflateInit2 failed (\(initialized))") }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.nonNullBase.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while true {
            var status: Int32 = Z_OK
            let (space, written) = try output.fill { free in
                stream.next_out = free.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(free.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return free.count - Int(stream.avail_out)
            }
            switch status {
            case Z_STREAM_END:
                if stream.avail_in == 0 { return }
                inflateReset(&stream)  // another gzip member follows
            case Z_OK:
                continue
            case Z_BUF_ERROR where written == space:
                continue  // the output was full; fill grows it (or reports the limit)
            case Z_BUF_ERROR:
                throw output.corrupt("truncated stream")
            default:
                throw output.corrupt(stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
            }
        }
    }
}
