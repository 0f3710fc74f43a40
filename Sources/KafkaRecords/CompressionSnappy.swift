import CSnappy
import NIOCore

/// Snappy as Kafka's clients write it: snappy-java's ("xerial") framing, a 16-byte header then
/// chunks of [Int32 big-endian length][raw snappy block]. A bare raw block is accepted too,
/// because some clients send one.
enum SnappyCodec {
    /// 0x82 "SNAPPY" 0x00.
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    /// Magic + version + minimum compatible version.
    static let xerialHeaderSize = 16
    /// snappy-java's default block size, which Kafka's Java producer uses.
    static let chunkSize = 32 * 1024

    static func compress(_ input: UnsafeRawBufferPointer) throws(RecordBatchError) -> ByteBuffer {
        let chunks = max((input.count + chunkSize - 1) / chunkSize, 1)
        let chunkBound = snappy_max_compressed_length(min(input.count, chunkSize))
        var output = ByteBufferAllocator().buffer(capacity: xerialHeaderSize + chunks * (4 + chunkBound))
        output.writeBytes(xerialMagic)
        output.writeInteger(Int32(1))  // version
        output.writeInteger(Int32(1))  // minimum compatible version
        var start = 0
        repeat {
            let count = min(chunkSize, input.count - start)
            let lengthIndex = output.writerIndex
            output.writeInteger(Int32(0))  // patched below
            var status = SNAPPY_OK
            let written = output.writeWithUnsafeMutableBytes(minimumWritableBytes: chunkBound) { free in
                var length = free.count
                status = snappy_compress(
                    (input.nonNullBase + start).assumingMemoryBound(to: CChar.self), count,
                    free.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
                return status == SNAPPY_OK ? length : 0
            }
            guard status == SNAPPY_OK else { throw .corrupt("snappy: compression failed (\(status))") }
            output.setInteger(Int32(written), at: lengthIndex)
            start += count
        } while start < input.count
        return output
    }

    static func decompress(
        _ input: UnsafeRawBufferPointer, into output: inout DecompressionOutput
    ) throws(RecordBatchError) {
        guard input.count >= xerialHeaderSize, input.prefix(xerialMagic.count).elementsEqual(xerialMagic) else {
            try decompressBlock(UnsafeRawBufferPointer(rebasing: input[...]), into: &output)
            return
        }
        var position = xerialHeaderSize
        while position < input.count {
            guard input.count - position >= 4 else { throw output.corrupt("truncated chunk length") }
            let length = Int(input.readBigEndian(Int32.self, at: position))
            position += 4
            guard length >= 0, length <= input.count - position else {
                throw output.corrupt("chunk of \(length) bytes but \(input.count - position) remain")
            }
            try decompressBlock(UnsafeRawBufferPointer(rebasing: input[position..<(position + length)]), into: &output)
            position += length
        }
    }

    /// One raw snappy block; its uncompressed size (stated in its preamble) is checked against
    /// the limit before anything is allocated.
    private static func decompressBlock(
        _ block: UnsafeRawBufferPointer, into output: inout DecompressionOutput
    ) throws(RecordBatchError) {
        let source = block.nonNullBase.assumingMemoryBound(to: CChar.self)
        var size = 0
        guard snappy_uncompressed_length(source, block.count, &size) == SNAPPY_OK else {
            throw output.corrupt("bad block preamble")
        }
        guard size <= output.remaining else { throw output.limitExceeded() }
        if size == 0 {
            guard snappy_validate_compressed_buffer(source, block.count) == SNAPPY_OK else {
                throw output.corrupt("bad block")
            }
            return
        }
        var status = SNAPPY_OK
        _ = try output.fill(minimum: size) { free in
            var length = free.count
            status = snappy_uncompress(
                source, block.count, free.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            return status == SNAPPY_OK ? length : 0
        }
        guard status == SNAPPY_OK else { throw output.corrupt("bad block") }
    }
}
