import CZstd
import NIOCore

/// zstd frames, decoded with the streaming API because producers may omit the content size.
enum ZstdCodec {
    /// zstd's default level, which Kafka's clients also use.
    private static let level: Int32 = 3

    static func compress(_ input: UnsafeRawBufferPointer) throws(RecordBatchError) -> ByteBuffer {
        let bound = ZSTD_compressBound(input.count)
        var output = ByteBufferAllocator().buffer(capacity: bound)
        var result = 0
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { free in
            result = ZSTD_compress(free.baseAddress, free.count, input.nonNullBase, input.count, level)
            return ZSTD_isError(result) != 0 ? 0 : result
        }
        guard ZSTD_isError(result) == 0 else {
            throw .corrupt("zstd: \(String(cString: ZSTD_getErrorName(result)))")
        }
        return output
    }

    /// Decodes one or more concatenated frames; the input must end on a frame boundary.
    static func decompress(
        _ input: UnsafeRawBufferPointer, into output: inout DecompressionOutput
    ) throws(RecordBatchError) {
        guard let stream = ZSTD_createDStream() else { throw .corrupt("zstd: cannot create a decoder") }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        var source = ZSTD_inBuffer(src: input.nonNullBase, size: input.count, pos: 0)
        if input.isEmpty { throw output.corrupt("empty input") }
        while true {
            var hint = 0
            let before = source.pos
            let (space, written) = try output.fill { free in
                var sink = ZSTD_outBuffer(dst: free.baseAddress, size: free.count, pos: 0)
                hint = ZSTD_decompressStream(stream, &sink, &source)
                return ZSTD_isError(hint) != 0 ? 0 : sink.pos
            }
            if ZSTD_isError(hint) != 0 { throw output.corrupt(String(cString: ZSTD_getErrorName(hint))) }
            let inputDone = source.pos == source.size
            if hint == 0, inputDone { return }  // a frame ended exactly at the end of the input
            if inputDone, written < space { throw output.corrupt("truncated frame") }
            if source.pos == before, written == 0 { throw output.corrupt("decoder made no progress") }
        }
    }
}
