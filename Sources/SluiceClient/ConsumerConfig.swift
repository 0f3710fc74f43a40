/// Where a consumer starts in a partition that has no committed offset (or an out-of-range one).
public enum OffsetReset: Sendable {
    case earliest
    case latest
    /// Fail with OFFSET_OUT_OF_RANGE instead of guessing.
    case none
}

/// Which group protocol a subscribing consumer speaks.
public enum GroupProtocol: Sendable {
    /// JoinGroup/SyncGroup/Heartbeat; the client-side cooperative-sticky assignor.
    case classic
    /// KIP-848 (`group.protocol=consumer`): ConsumerGroupHeartbeat, the broker assigns.
    case consumer
}

/// Consumer settings, named after the Java client's.
public struct ConsumerConfig: Sendable {
    public var client: ClientConfig
    /// Needed for `subscribe` and for committing offsets.
    public var groupId: String?
    public var groupProtocol: GroupProtocol = .classic
    /// A static member id (`group.instance.id`): a restart within the session timeout keeps its partitions.
    public var groupInstanceId: String?
    public var autoOffsetReset: OffsetReset = .latest
    public var enableAutoCommit = true
    public var autoCommitInterval: Duration = .seconds(5)
    public var isolationLevel: IsolationLevel = .readUncommitted
    /// Fetch long-poll: the broker answers once it has `fetchMinBytes` or after `fetchMaxWait`.
    public var fetchMinBytes: Int32 = 1
    public var fetchMaxWait: Duration = .milliseconds(500)
    public var maxPartitionFetchBytes: Int32 = 1 << 20
    public var fetchMaxBytes: Int32 = 50 << 20
    /// Records one `poll` returns at most.
    public var maxPollRecords = 500
    /// Records kept fetched ahead per partition before its next fetch waits (prefetch depth).
    public var prefetchRecords = 2000
    public var sessionTimeout: Duration = .seconds(45)
    public var heartbeatInterval: Duration = .seconds(3)
    /// `max.poll.interval.ms`: how long the group waits for a member during a rebalance.
    public var rebalanceTimeout: Duration = .seconds(300)
    /// `metadata.max.age.ms`: how often a classic member looks for new topics matching its
    /// pattern and new partitions of its topics (and rejoins when they changed).
    public var metadataMaxAge: Duration = .seconds(300)

    public init(client: ClientConfig, groupId: String? = nil) {
        self.client = client
        self.groupId = groupId
    }

    public init(bootstrap: String, groupId: String? = nil) {
        self.client = ClientConfig(bootstrap: bootstrap)
        self.groupId = groupId
    }
}

/// A record read from a partition.
public struct ConsumerRecord: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the epoch (create time, or the broker's append time for LogAppendTime topics).
    public var timestamp: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeaderValue]

    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }
}

/// A record header: a string key and nullable bytes.
public struct RecordHeaderValue: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
