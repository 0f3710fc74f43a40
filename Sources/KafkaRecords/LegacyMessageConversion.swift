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
        while index < batches.writerIndex {
            let header = try RecordBatchHeader(parsing: batches, at: index)
            guard header.totalSize <= batches.writerIndex - index else { break }
            let batch = batches.getSlice(at: index, length: header.totalSize)!
            index += header.totalSize
            if header.isControl || header.lastOffset < fromOffset { continue }
            let attributes: Int8 =
                magic >= 1 && header.timestampType == .logAppendTime ? LegacyMessageLayout.timestampTypeMask : 0
            let (_, section) = try RecordBatchReader.recordsSection(of: batch)
            // The hot loop of an old consumer's fetch: records are walked in place and each message
            // is written straight into the output, with no per-record allocation.
            let full = try section.withUnsafeReadableBytes { bytes in
                Result { () throws(RecordBatchError) -> Bool in
                    var full = false
                    try RecordWalker.walk(
                        bytes, from: 0, to: bytes.count, recordCount: header.recordCount,
                        requireSequentialOffsets: false
                    ) { raw throws(RecordBatchError) in
                        let offset = header.baseOffset &+ Int64(raw.offsetDelta)
                        if offset < fromOffset { return true }
                        let timestamp =
                            header.timestampType == .logAppendTime
                            ? header.maxTimestamp : header.baseTimestamp &+ raw.timestampDelta
                        let size =
                            LegacyMessageLayout.logOverhead + LegacyMessageLayout.minimumMessageSize(magic: magic)
                            + (raw.key?.count ?? 0) + (raw.value?.count ?? 0)
                        if output.readableBytes > 0, output.readableBytes + size > maxBytes {
                            full = true
                            return false
                        }
                        writeMessage(
                            to: &output, size: size, offset: offset, magic: magic, attributes: attributes,
                            timestamp: timestamp, key: raw.key.map { bytes[$0] }, value: raw.value.map { bytes[$0] })
                        return true
                    }
                    return full
                }
            }.get()
            if full { break }
        }
        return output
    }

    /// Appends one entry of `size` bytes (see `LegacyMessage` for the layout) in place.
    private static func writeMessage(
        to output: inout ByteBuffer, size: Int, offset: Int64, magic: Int8, attributes: Int8, timestamp: Int64,
        key: Slice<UnsafeRawBufferPointer>?, value: Slice<UnsafeRawBufferPointer>?
    ) {
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
            out.storeBytes(of: offset.bigEndian, toByteOffset: 0, as: Int64.self)
            out.storeBytes(of: Int32(size - LegacyMessageLayout.logOverhead).bigEndian, toByteOffset: 8, as: Int32.self)
            out.storeBytes(of: magic, toByteOffset: 16, as: Int8.self)
            out.storeBytes(of: attributes, toByteOffset: 17, as: Int8.self)
            var position = 18
            if magic >= 1 {
                out.storeBytes(of: timestamp.bigEndian, toByteOffset: position, as: Int64.self)
                position += 8
            }
            func write(_ field: Slice<UnsafeRawBufferPointer>?) {
                guard let field else {
                    out.storeBytes(of: Int32(-1).bigEndian, toByteOffset: position, as: Int32.self)
                    position += 4
                    return
                }
                out.storeBytes(of: Int32(field.count).bigEndian, toByteOffset: position, as: Int32.self)
                position += 4
                if field.count > 0 {
                    (out.baseAddress! + position).copyMemory(
                        from: field.base.baseAddress! + field.startIndex, byteCount: field.count)
                }
                position += field.count
            }
            write(key)
            write(value)
            let crc = LegacyMessageLayout.crc32(UnsafeRawBufferPointer(rebasing: out[16..<size]))
            out.storeBytes(of: crc.bigEndian, toByteOffset: 12, as: UInt32.self)
            return size
        }
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
