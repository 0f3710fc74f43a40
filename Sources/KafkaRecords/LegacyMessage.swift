import CZlib
import NIOCore

/// One message of the old message formats (magic 0 and magic 1), as it appears in a MessageSet.
///
/// Layout of one MessageSet entry, big-endian:
/// ```
///  0  offset       int64   absolute offset (or, inside a magic-1 compressed wrapper, relative: 0, 1, 2…)
///  8  messageSize  int32   bytes that follow (crc through value)
/// 12  crc          uint32  CRC-32 (IEEE, zlib's) of the bytes from magic to the end of the value
/// 16  magic        int8    0 or 1
/// 17  attributes   int8    bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4); bit 3 (magic 1) LogAppendTime
/// 18  timestamp    int64   magic 1 only
///     key          int32 length (-1 null) + bytes
///     value        int32 length (-1 null) + bytes; a compressed wrapper's value is the compressed
///                  MessageSet of its inner messages
/// ```
public struct LegacyMessage: Sendable, Equatable {
    public var offset: Int64
    public var magic: Int8
    public var attributes: Int8
    /// -1 (no timestamp) for magic 0.
    public var timestamp: Int64
    public var key: ByteBuffer?
    public var value: ByteBuffer?

    public init(
        offset: Int64, magic: Int8, attributes: Int8 = 0, timestamp: Int64, key: ByteBuffer?, value: ByteBuffer?
    ) {
        self.offset = offset
        self.magic = magic
        self.attributes = attributes
        self.timestamp = magic == 0 ? -1 : timestamp
        self.key = key
        self.value = value
    }

    /// Compression codec of a wrapper message (attribute bits 0-2); nil for a codec that the old
    /// formats cannot carry (zstd and above).
    public var compression: CompressionCodec? {
        let codec = CompressionCodec(rawValue: Int(attributes & LegacyMessageLayout.compressionMask))
        return codec == .zstd ? nil : codec
    }

    /// Magic 1 attribute bit 3: the broker set the timestamp on append.
    public var isLogAppendTime: Bool { magic >= 1 && attributes & LegacyMessageLayout.timestampTypeMask != 0 }

    /// Bytes the entry takes in a MessageSet (offset and size fields included).
    public var encodedSize: Int {
        LegacyMessageLayout.logOverhead + LegacyMessageLayout.minimumMessageSize(magic: magic)
            + (key?.readableBytes ?? 0) + (value?.readableBytes ?? 0)
    }

    /// Appends the entry, CRC included, to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(offset)
        buffer.writeInteger(Int32(encodedSize - LegacyMessageLayout.logOverhead))
        let crcIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        let magicIndex = buffer.writerIndex
        buffer.writeInteger(magic)
        buffer.writeInteger(attributes)
        if magic >= 1 { buffer.writeInteger(timestamp) }
        Self.writeBytes(key, to: &buffer)
        Self.writeBytes(value, to: &buffer)
        let crc = buffer.withUnsafeReadableBytes { bytes in
            LegacyMessageLayout.crc32(
                UnsafeRawBufferPointer(rebasing: bytes[(magicIndex - buffer.readerIndex)...]))
        }
        buffer.setInteger(crc, at: crcIndex)
    }

    private static func writeBytes(_ bytes: ByteBuffer?, to buffer: inout ByteBuffer) {
        guard var bytes else {
            buffer.writeInteger(Int32(-1))
            return
        }
        buffer.writeInteger(Int32(bytes.readableBytes))
        buffer.writeBuffer(&bytes)
    }
}

/// Constants of the old message formats (magic 0 and 1).
public enum LegacyMessageLayout {
    /// offset (int64) + messageSize (int32).
    public static let logOverhead = 12
    /// Position of the magic byte from the start of an entry (the same position as in a v2 batch).
    public static let magicOffset = 16
    public static let compressionMask: Int8 = 0x07
    public static let timestampTypeMask: Int8 = 0x08

    /// crc, magic, attributes, [timestamp], key length, value length.
    public static func minimumMessageSize(magic: Int8) -> Int {
        magic == 0 ? 14 : 22
    }

    /// CRC-32 (IEEE 802.3, zlib's polynomial), which the old formats use instead of CRC-32C.
    public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        return UInt32(
            CZlib.crc32(0, base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }
}
