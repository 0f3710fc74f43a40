/// Byte layout of a RecordBatch (magic 2) header. Offsets are from the batch's first byte;
/// all integers are big-endian.
///
///     baseOffset: Int64            0
///     batchLength: Int32           8   bytes after this field (batch size - 12)
///     partitionLeaderEpoch: Int32  12
///     magic: Int8                  16  always 2
///     crc: UInt32                  17  CRC-32C of bytes [21, end of batch)
///     attributes: Int16            21
///     lastOffsetDelta: Int32       23
///     baseTimestamp: Int64         27
///     maxTimestamp: Int64          35
///     producerId: Int64            43
///     producerEpoch: Int16         51
///     baseSequence: Int32          53
///     recordCount: Int32           57
///     records                      61
public enum RecordBatchLayout {
    public static let baseOffsetOffset = 0
    public static let batchLengthOffset = 8
    public static let partitionLeaderEpochOffset = 12
    public static let magicOffset = 16
    public static let crcOffset = 17
    public static let attributesOffset = 21
    public static let lastOffsetDeltaOffset = 23
    public static let baseTimestampOffset = 27
    public static let maxTimestampOffset = 35
    public static let producerIdOffset = 43
    public static let producerEpochOffset = 51
    public static let baseSequenceOffset = 53
    public static let recordCountOffset = 57
    /// Where the records start; also the smallest possible batch.
    public static let recordsOffset = 61
    /// Size of the header (61 bytes).
    public static let headerSize = 61
    /// Bytes before the part counted by `batchLength`: baseOffset + batchLength.
    public static let logOverhead = 12
    /// The CRC covers the batch from this offset (attributes) to its end.
    public static let crcCoveredFrom = attributesOffset
    /// The only magic (format version) this broker reads and writes.
    public static let currentMagic: Int8 = 2

    // Attribute bits.
    public static let compressionCodecMask: Int16 = 0x07
    public static let timestampTypeMask: Int16 = 0x08
    public static let transactionalFlagMask: Int16 = 0x10
    public static let controlFlagMask: Int16 = 0x20
    public static let deleteHorizonFlagMask: Int16 = 0x40

    /// Value of producerId / producerEpoch / baseSequence / partitionLeaderEpoch when unset.
    public static let noProducerId: Int64 = -1
    public static let noProducerEpoch: Int16 = -1
    public static let noSequence: Int32 = -1
    public static let noPartitionLeaderEpoch: Int32 = -1
}
