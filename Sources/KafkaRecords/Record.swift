import NIOCore

/// One record of a batch, as it is stored: offset and timestamp relative to the batch header.
public struct Record: Sendable, Equatable {
    /// Offset relative to the batch's `baseOffset`.
    public var offsetDelta: Int32
    /// Timestamp relative to the batch's `baseTimestamp` (may be negative).
    public var timestampDelta: Int64
    /// Nil is a null key (distinct from an empty one).
    public var key: ByteBuffer?
    /// Nil is a null value, a tombstone for compaction.
    public var value: ByteBuffer?
    public var headers: [RecordHeader]

    public init(
        offsetDelta: Int32, timestampDelta: Int64, key: ByteBuffer?, value: ByteBuffer?,
        headers: [RecordHeader] = []
    ) {
        self.offsetDelta = offsetDelta
        self.timestampDelta = timestampDelta
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// Absolute offset of this record in the batch described by `header`.
    public func offset(in header: RecordBatchHeader) -> Int64 {
        header.baseOffset &+ Int64(offsetDelta)
    }

    /// Absolute timestamp of this record: with `logAppendTime` every record carries the batch's
    /// `maxTimestamp`, otherwise `baseTimestamp + timestampDelta`.
    public func timestamp(in header: RecordBatchHeader) -> Int64 {
        header.timestampType == .logAppendTime ? header.maxTimestamp : header.baseTimestamp &+ timestampDelta
    }
}

/// A record header: a non-null string key and a nullable byte value.
public struct RecordHeader: Sendable, Equatable {
    public var key: String
    public var value: ByteBuffer?

    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}
