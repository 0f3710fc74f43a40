import NIOCore

/// Rewrites batches with another compression codec, as a broker does for a topic whose
/// `compression.type` differs from the producer's.
public enum RecordBatchRecompressor {
    /// The batch at the start of `batch`'s readable bytes with its records section compressed
    /// with `codec` (`.none` stores it uncompressed). Every other header field (base offset,
    /// leader epoch, timestamps, producer id, epoch and sequence, flags) is kept; the codec bits,
    /// length and CRC are recomputed. A batch already in `codec` is returned unchanged (sliced to
    /// its size). The input's CRC is not checked: validate untrusted bytes first.
    public static func recompress(
        _ batch: ByteBuffer, to codec: CompressionCodec,
        decompressionLimit: Int = CompressionCodec.defaultDecompressionLimit
    ) throws(RecordBatchError) -> ByteBuffer {
        let (header, records) = try RecordBatchReader.recordsSection(
            of: batch, decompressionLimit: decompressionLimit)
        if header.compression == codec {
            return batch.getSlice(at: batch.readerIndex, length: header.totalSize)!
        }
        let stored = try codec.compress(records)
        var rewritten = header
        rewritten.attributes =
            (header.attributes & ~RecordBatchLayout.compressionCodecMask) | Int16(codec.rawValue)
        rewritten.batchLength = Int32(
            RecordBatchLayout.headerSize - RecordBatchLayout.logOverhead + stored.readableBytes)
        rewritten.crc = 0
        var output = ByteBufferAllocator().buffer(capacity: rewritten.totalSize)
        rewritten.write(to: &output)
        output.writeImmutableBuffer(stored)
        RecordBatchEditor.updateCRC(in: &output, batchAt: 0)
        return output
    }

    /// Applies `recompress` to every batch of `payload` (the records of one partition in a
    /// produce request, already validated) and returns the batches back to back. Control
    /// batches (transaction markers) are never compressed, so they are copied unchanged.
    public static func recompressAll(
        _ payload: ByteBuffer, to codec: CompressionCodec,
        decompressionLimit: Int = CompressionCodec.defaultDecompressionLimit
    ) throws(RecordBatchError) -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: payload.readableBytes)
        var index = payload.readerIndex
        while index < payload.writerIndex {
            let header = try RecordBatchHeader(parsing: payload, at: index)
            guard header.totalSize >= RecordBatchLayout.headerSize, header.totalSize <= payload.writerIndex - index
            else { throw .truncated }
            let batch = payload.getSlice(at: index, length: header.totalSize)!
            if header.isControl || header.compression == codec {
                output.writeImmutableBuffer(batch)
            } else {
                output.writeImmutableBuffer(try recompress(batch, to: codec, decompressionLimit: decompressionLimit))
            }
            index += header.totalSize
        }
        return output
    }
}
