import KafkaRecords
import NIOCore

/// A topic's `compression.type` applied to produced batches: `producer` (the default) keeps
/// what the producer sent; a codec name (or `uncompressed`) rewrites every batch in another
/// codec into that one before it is appended, as Kafka does.
enum TopicCompression {
    /// The codec a topic's `compression.type` asks for, nil for `producer` (or an unknown value).
    /// Resolved when a topic's configs change, not per append (see `PartitionHandle`).
    static func codec(of overrides: [String: String], resolver: ConfigResolver) -> CompressionCodec? {
        resolver.topicValue("compression.type", overrides: overrides).flatMap(codec(named:))
    }

    /// Maps a `compression.type` value to a codec; nil for `producer` and unknown names.
    static func codec(named value: String) -> CompressionCodec? {
        switch value {
        case "uncompressed": CompressionCodec.none
        case "gzip": .gzip
        case "snappy": .snappy
        case "lz4": .lz4
        case "zstd": .zstd
        default: nil
        }
    }

    /// `records` (validated batches for `topic`) in the topic's codec; unchanged, and without
    /// any copy, when the topic keeps the producer's codec or every batch already uses it.
    /// A rewritten batch larger than `maxBatchBytes` (e.g. stored uncompressed) is `.tooLarge`,
    /// as Kafka checks the size of what it stores.
    static func apply(
        to records: ByteBuffer, batches: [ValidatedBatch], codec: CompressionCodec?, maxBatchBytes: Int
    ) throws(RecordBatchError) -> ByteBuffer {
        guard let codec else { return records }
        guard batches.contains(where: { !$0.header.isControl && $0.header.compression != codec }) else {
            return records
        }
        let rewritten = try RecordBatchRecompressor.recompressAll(records, to: codec)
        var index = rewritten.readerIndex
        while index < rewritten.writerIndex {
            let size = try RecordBatchHeader(parsing: rewritten, at: index).totalSize
            guard size <= maxBatchBytes else { throw .tooLarge(size) }
            index += size
        }
        return rewritten
    }
}
