import NIOCore

/// Conversions between the old MessageSet formats (magic 0 and 1) and RecordBatch v2, which is
/// the only format the log stores.
public enum LegacyMessageConversion {
    /// Converts the MessageSet of a Produce v0-v2 partition into one v2 batch (base offset 0;
    /// the log assigns the real offsets on append), as Kafka's broker up-converts: one record per
    /// message in order (wrappers opened), the message's key and value, its timestamp (-1 for
    /// magic 0; a magic-1 wrapper with LogAppendTime gives its inner messages its own), and the
    /// wrappers' compression codec kept for the batch. Throws `.corrupt` for anything
    /// `LegacyMessageSet.flattened` rejects; nothing is appended then.
    public static func upConvert(
        _ messageSet: ByteBuffer, decompressionLimit: Int = CompressionCodec.defaultDecompressionLimit
    ) throws(RecordBatchError) -> ByteBuffer {
        let (messages, codec) = try LegacyMessageSet.flattened(messageSet, decompressionLimit: decompressionLimit)
        var builder = RecordBatchBuilder(baseTimestamp: messages[0].timestamp, compression: codec)
        for message in messages {
            builder.append(key: message.key, value: message.value, timestamp: message.timestamp)
        }
        return builder.build()
    }

    /// Converts the stored v2 batches in `batches` (whole batches, as a fetch reads them) into a
    /// MessageSet of magic `magic` (0 or 1) for a Fetch v0-v3 client, as Kafka down-converts:
    /// every record at or after `fromOffset` becomes one uncompressed message with its absolute
    /// offset, key, value and (magic 1) timestamp, LogAppendTime batches marked as such; headers
    /// are dropped (the old formats have none) and control batches skipped.
    ///
    /// Memory is bounded by `maxBytes`: conversion stops before the message that would pass it
    /// (the old formats have no batches, so a fetch may end between any two messages), but the
    /// first message is always sent, so a consumer is never stuck behind a large one.
    public static func downConvert(
        _ batches: ByteBuffer, toMagic magic: Int8, fromOffset: Int64, maxBytes: Int
    ) throws(RecordBatchError) -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: min(batches.readableBytes * 2, max(maxBytes, 0) + 4096))
        var index = batches.readerIndex
        conversion: while index < batches.writerIndex {
            let header = try RecordBatchHeader(parsing: batches, at: index)
            guard header.totalSize <= batches.writerIndex - index else { break }
            let batch = batches.getSlice(at: index, length: header.totalSize)!
            index += header.totalSize
            if header.isControl || header.lastOffset < fromOffset { continue }
            let attributes: Int8 =
                magic >= 1 && header.timestampType == .logAppendTime ? LegacyMessageLayout.timestampTypeMask : 0
            for record in try RecordBatchReader.records(in: batch) {
                let offset = record.offset(in: header)
                if offset < fromOffset { continue }
                let message = LegacyMessage(
                    offset: offset, magic: magic, attributes: attributes, timestamp: record.timestamp(in: header),
                    key: record.key, value: record.value)
                if output.readableBytes > 0, output.readableBytes + message.encodedSize > maxBytes { break conversion }
                message.write(to: &output)
            }
        }
        return output
    }

    /// The newest message format a Fetch response of `version` can carry: magic 0 up to v1,
    /// magic 1 for v2 and v3 (timestamps), RecordBatch v2 from v4.
    public static func maxMagic(forFetchVersion version: Int16) -> Int8 {
        switch version {
        case ...1: 0
        case 2...3: 1
        default: RecordBatchLayout.currentMagic
        }
    }
}
