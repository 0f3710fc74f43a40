import KafkaRecords

/// Per-partition log settings, named after Kafka's topic configs.
public struct LogConfig: Sendable, Equatable {
    /// `segment.bytes` (broker: `log.segment.bytes`): roll a segment before it grows past this size.
    public var segmentBytes: Int = 1 << 30
    /// `segment.ms` (broker: `log.roll.ms`): roll a segment whose first batch is older than this.
    public var segmentMs: Int64 = 7 * 24 * 60 * 60 * 1000
    /// `retention.ms`: delete whole segments whose newest record is older than this; -1 keeps forever.
    public var retentionMs: Int64 = 7 * 24 * 60 * 60 * 1000
    /// `retention.bytes`: delete oldest segments while the log is larger than this; -1 = no limit.
    public var retentionBytes: Int64 = -1
    /// `index.interval.bytes`: bytes of log between two sparse index entries.
    public var indexIntervalBytes: Int = 4096
    /// `segment.index.bytes`: roll a segment once either of its indexes reaches this size.
    public var maxIndexBytes: Int = 10 << 20
    /// `message.timestamp.type`: `.logAppendTime` makes `append` stamp every batch with the broker time.
    public var timestampType: TimestampType = .createTime

    public init() {}
}
