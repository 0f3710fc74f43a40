import KafkaRecords
import NIOCore

/// Reads v2 batch headers of a log file by position, through a chunk buffer so that hopping
/// from header to header over small batches costs one `pread` per chunk, not one per batch.
struct BatchHeaderReader {
    private let file: any FileReading
    private let fileEnd: Int64
    private let chunkSize: Int
    private var chunk = ByteBuffer()
    private var chunkStart: Int64 = 0

    init(file: any FileReading, fileEnd: Int64, chunkSize: Int = 16 * 1024) {
        self.file = file
        self.fileEnd = fileEnd
        self.chunkSize = max(chunkSize, RecordBatchLayout.headerSize)
    }

    /// The header of the batch starting at `position`, or nil when no whole header or no whole
    /// batch fits before the end of the file, or the bytes there are not a v2 batch header.
    mutating func header(at position: Int64) throws -> RecordBatchHeader? {
        let headerSize = Int64(RecordBatchLayout.headerSize)
        guard position >= 0, position + headerSize <= fileEnd else { return nil }
        let chunkEnd = chunkStart + Int64(chunk.readableBytes)
        if position < chunkStart || position + headerSize > chunkEnd {
            chunkStart = position
            chunk.clear()
            let count = Int(min(Int64(chunkSize), fileEnd - position))
            try file.pread(into: &chunk, count: count, at: position)
        }
        guard let header = try? RecordBatchHeader(parsing: chunk, at: chunk.readerIndex + Int(position - chunkStart)),
            header.magic == RecordBatchLayout.currentMagic,
            header.batchLength >= Int32(RecordBatchLayout.headerSize - RecordBatchLayout.logOverhead),
            position + Int64(header.totalSize) <= fileEnd
        else { return nil }
        return header
    }
}
