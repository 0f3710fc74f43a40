import CLZ4
import NIOCore

/// The LZ4 frame format, as Kafka (magic 2) reads and writes it: independent 64 KiB blocks, no
/// content size; Kafka's Java reader rejects linked blocks, so they are never written.
enum LZ4Codec {
    static func compress(_ input: UnsafeRawBufferPointer) throws(RecordBatchError) -> ByteBuffer {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        let bound = LZ4F_compressFrameBound(input.count, &preferences)
        var output = ByteBufferAllocator().buffer(capacity: bound)
        var result = 0
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { free in
            result = LZ4F_compressFrame(free.baseAddress, free.count, input.nonNullBase, input.count, &preferences)
            return LZ4F_isError(result) != 0 ? 0 : result
        }
        guard LZ4F_isError(result) == 0 else {
            throw .corrupt("lz4: \(String(cString: LZ4F_getErrorName(result)))")
        }
        return output
    }

    /// Decodes one or more concatenated frames; the input must end on a frame boundary.
    static func decompress(
        _ input: UnsafeRawBufferPointer, into output: inout DecompressionOutput
    ) throws(RecordBatchError) {
        if input.isEmpty { throw output.corrupt("empty input") }
        var context: OpaquePointer?
        let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(created) == 0, let context else { throw .corrupt("lz4: cannot create a decoder") }
        defer { LZ4F_freeDecompressionContext(context) }
        var position = 0
        while true {
            var hint = 0
            var consumed = 0
            let (space, written) = try output.fill { free in
                var sourceSize = input.count - position
                var sinkSize = free.count
                hint = LZ4F_decompress(
                    context, free.baseAddress, &sinkSize, input.nonNullBase + position, &sourceSize, nil)
                consumed = sourceSize
                return LZ4F_isError(hint) != 0 ? 0 : sinkSize
            }
            if LZ4F_isError(hint) != 0 { throw output.corrupt(String(cString: LZ4F_getErrorName(hint))) }
            position += consumed
            let inputDone = position == input.count
            if hint == 0, inputDone { return }  // a frame ended exactly at the end of the input
            if inputDone, written < space { throw output.corrupt("truncated frame") }
            if consumed == 0, written == 0 { throw output.corrupt("decoder made no progress") }
        }
    }
}
