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
    /// `cleanup.policy` contains `delete`: old segments go by `retention.ms` / `retention.bytes`.
    public var deletesByRetention = true
    /// `cleanup.policy` contains `compact`: the cleaner keeps only the latest record per key.
    public var compacts = false
    /// `delete.retention.ms`: how long a tombstone stays after the cleaner first saw it.
    public var deleteRetentionMs: Int64 = 86_400_000
    /// `min.cleanable.dirty.ratio`: share of the log not yet compacted at which cleaning starts.
    public var minCleanableDirtyRatio: Double = 0.5
    /// `min.compaction.lag.ms`: records younger than this are never compacted.
    public var minCompactionLagMs: Int64 = 0
    /// `max.compaction.lag.ms`: a dirty record older than this gets compacted whatever the ratio.
    public var maxCompactionLagMs: Int64 = .max

    public init() {}
}
