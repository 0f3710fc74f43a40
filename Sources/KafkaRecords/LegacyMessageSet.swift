import NIOCore

/// Reads the old MessageSet format (magic 0 and 1; see `LegacyMessage` for the layout) that
/// clients speaking Produce v0-v2 send, checking every entry as Kafka's broker did.
public enum LegacyMessageSet {
    /// The magic byte of the first entry or batch in `buffer` (at the same position in every
    /// format), nil when the buffer is too short to hold one.
    public static func magic(of buffer: ByteBuffer) -> Int8? {
        buffer.getInteger(at: buffer.readerIndex + LegacyMessageLayout.magicOffset, as: Int8.self)
    }

    /// The entries of the MessageSet in `buffer`'s readable bytes, which must be whole. Each entry
    /// must have a valid size, magic 0 or 1 and a matching CRC-32, else `.corrupt`; a trailing
    /// partial entry is `.corrupt` too (a producer never sends one). Wrappers are not opened.
    public static func entries(_ buffer: ByteBuffer) throws(RecordBatchError) -> [LegacyMessage] {
        var messages: [LegacyMessage] = []
        var index = buffer.readerIndex
        let end = buffer.writerIndex
        while index < end {
            let (message, next) = try entry(in: buffer, at: index, end: end)
            messages.append(message)
            index = next
        }
        return messages
    }

    /// The messages a produce request's MessageSet holds, with every compressed wrapper opened
    /// into its inner messages (inner timestamps and offsets resolved per Kafka's magic-1 rules),
    /// and the codec of the wrappers (`.none` when there are none).
    ///
    /// Besides the checks of `entries`: an empty set, a wrapper with a null value or an unknown
    /// codec, a wrapper whose inner messages are compressed again, whose inner magic differs from
    /// the wrapper's, or (magic 1) whose inner offsets are not 0, 1, 2… are `.corrupt`.
    public static func flattened(
        _ buffer: ByteBuffer, decompressionLimit: Int = CompressionCodec.defaultDecompressionLimit
    ) throws(RecordBatchError) -> (messages: [LegacyMessage], codec: CompressionCodec) {
        var flat: [LegacyMessage] = []
        var codec = CompressionCodec.none
        let outer = try entries(buffer)
        guard !outer.isEmpty else { throw .corrupt("empty message set") }
        for wrapper in outer {
            guard let wrapperCodec = wrapper.compression else {
                throw .corrupt("message attributes name an unknown compression codec for magic \(wrapper.magic)")
            }
            if wrapperCodec == .none {
                flat.append(wrapper)
                continue
            }
            codec = wrapperCodec
            guard var compressed = wrapper.value else { throw .corrupt("compressed wrapper message has a null value") }
            if wrapper.magic == 0, wrapperCodec == .lz4 {
                compressed = LZ4LegacyFrame.withCorrectHeaderChecksum(compressed)
            }
            let inner = try entries(
                wrapperCodec.decompress(compressed, sizeHint: compressed.readableBytes * 4, limit: decompressionLimit))
            guard !inner.isEmpty else { throw .corrupt("compressed wrapper message holds no messages") }
            for (position, var message) in inner.enumerated() {
                guard message.attributes & LegacyMessageLayout.compressionMask == 0 else {
                    throw .corrupt("compressed message nested inside a compressed wrapper")
                }
                guard message.magic == wrapper.magic else {
                    throw .corrupt("inner message magic \(message.magic) differs from its wrapper's \(wrapper.magic)")
                }
                if wrapper.magic >= 1 {
                    guard message.offset == Int64(position) else {
                        throw .corrupt("inner message \(position) has invalid relative offset \(message.offset)")
                    }
                    if wrapper.isLogAppendTime { message.timestamp = wrapper.timestamp }
                }
                flat.append(message)
            }
        }
        return (flat, codec)
    }

    /// Parses the entry at `index`, returning it and the index after it.
    private static func entry(
        in buffer: ByteBuffer, at index: Int, end: Int
    ) throws(RecordBatchError) -> (LegacyMessage, Int) {
        guard end - index >= LegacyMessageLayout.logOverhead + LegacyMessageLayout.minimumMessageSize(magic: 0),
            let offset = buffer.getInteger(at: index, as: Int64.self),
            let size = buffer.getInteger(at: index + 8, as: Int32.self),
            let crc = buffer.getInteger(at: index + 12, as: UInt32.self),
            let magic = buffer.getInteger(at: index + LegacyMessageLayout.magicOffset, as: Int8.self),
            let attributes = buffer.getInteger(at: index + 17, as: Int8.self)
        else { throw .corrupt("truncated message set entry") }
        guard magic == 0 || magic == 1 else { throw .corrupt("message magic \(magic) is not 0 or 1") }
        let next = index + LegacyMessageLayout.logOverhead + Int(size)
        guard Int(size) >= LegacyMessageLayout.minimumMessageSize(magic: magic), next <= end, next > index else {
            throw .corrupt("message size \(size) does not fit the message set")
        }
        let checked = buffer.withUnsafeReadableBytes { bytes in
            let from = index + LegacyMessageLayout.magicOffset - buffer.readerIndex
            return LegacyMessageLayout.crc32(
                UnsafeRawBufferPointer(rebasing: bytes[from..<(next - buffer.readerIndex)]))
        }
        guard checked == crc else { throw .corrupt("message CRC mismatch at offset \(offset)") }
        var cursor = index + 18
        var timestamp: Int64 = -1
        if magic == 1 {
            timestamp = buffer.getInteger(at: cursor, as: Int64.self) ?? -1
            cursor += 8
        }
        let key = try bytesField(in: buffer, at: &cursor, end: next)
        let value = try bytesField(in: buffer, at: &cursor, end: next)
        guard cursor == next else { throw .corrupt("message at offset \(offset) has \(next - cursor) stray bytes") }
        let message = LegacyMessage(
            offset: offset, magic: magic, attributes: attributes, timestamp: timestamp, key: key, value: value)
        return (message, next)
    }

    private static func bytesField(
        in buffer: ByteBuffer, at cursor: inout Int, end: Int
    ) throws(RecordBatchError) -> ByteBuffer? {
        guard cursor + 4 <= end, let length = buffer.getInteger(at: cursor, as: Int32.self) else {
            throw .corrupt("truncated message key or value")
        }
        cursor += 4
        if length == -1 { return nil }
        guard length >= 0 else { throw .corrupt("message key or value length \(length)") }
        guard Int(length) <= end - cursor else { throw .corrupt("message key or value length \(length) overruns") }
        defer { cursor += Int(length) }
        return buffer.getSlice(at: cursor, length: Int(length))
    }
}
