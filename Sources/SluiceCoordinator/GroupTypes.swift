import KafkaProtocol
import NIOCore

/// The lifecycle states of a classic consumer group, named as Kafka reports them.
public enum GroupState: String, Sendable, CaseIterable {
    case empty = "Empty"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"
}

/// A topic-partition whose offset a group commits.
public struct TopicPartition: Hashable, Sendable, Comparable {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// One committed offset with what the committer attached to it.
public struct CommittedOffset: Equatable, Sendable {
    public var offset: Int64
    public var leaderEpoch: Int32
    public var metadata: String
    public var commitTimestamp: Int64
    /// Set only when the commit asked for its own retention (OffsetCommit v2-v4 `retention_time_ms`);
    /// Kafka then stores the offset as value version 1, the one format with this field.
    public var expireTimestamp: Int64?

    public init(
        offset: Int64, leaderEpoch: Int32 = -1, metadata: String = "", commitTimestamp: Int64,
        expireTimestamp: Int64? = nil
    ) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestamp = commitTimestamp
        self.expireTimestamp = expireTimestamp
    }
}

/// A protocol (assignor) a member supports, with its subscription metadata.
public struct MemberProtocol: Equatable, Sendable {
    public var name: String
    public var metadata: ByteBuffer

    public init(name: String, metadata: ByteBuffer) {
        self.name = name
        self.metadata = metadata
    }
}

/// What a member sends to join, stripped of wire details.
public struct JoinRequest: Sendable {
    public var memberId: String
    public var groupInstanceId: String?
    public var clientId: String
    public var clientHost: String
    public var sessionTimeoutMs: Int32
    public var rebalanceTimeoutMs: Int32
    public var protocolType: String
    public var protocols: [MemberProtocol]
    /// JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id, then joins with it.
    public var requireKnownMemberId: Bool

    public init(
        memberId: String, groupInstanceId: String? = nil, clientId: String, clientHost: String = "",
        sessionTimeoutMs: Int32, rebalanceTimeoutMs: Int32, protocolType: String, protocols: [MemberProtocol],
        requireKnownMemberId: Bool
    ) {
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.clientId = clientId
        self.clientHost = clientHost
        self.sessionTimeoutMs = sessionTimeoutMs
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.protocolType = protocolType
        self.protocols = protocols
        self.requireKnownMemberId = requireKnownMemberId
    }
}

/// A member as the leader sees it in the JoinGroup response.
public struct JoinedMember: Equatable, Sendable {
    public var memberId: String
    public var groupInstanceId: String?
    public var metadata: ByteBuffer
}

/// The answer to one JoinGroup.
public struct JoinResult: Equatable, Sendable {
    public var error: ErrorCode
    public var generationId: Int32 = -1
    public var protocolType: String?
    public var protocolName: String?
    public var leader: String = ""
    public var memberId: String = ""
    public var skipAssignment = false
    /// Filled for the leader only.
    public var members: [JoinedMember] = []

    public init(error: ErrorCode, memberId: String = "") {
        self.error = error
        self.memberId = memberId
    }
}

/// The answer to one SyncGroup.
public struct SyncResult: Equatable, Sendable {
    public var error: ErrorCode
    public var protocolType: String?
    public var protocolName: String?
    public var assignment: ByteBuffer

    public init(
        error: ErrorCode, protocolType: String? = nil, protocolName: String? = nil, assignment: ByteBuffer = .init()
    ) {
        self.error = error
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignment = assignment
    }
}

/// A delayed JoinGroup or SyncGroup: either answered now, or parked until the rebalance moves on.
public enum Delayed<Result: Sendable>: Sendable {
    case now(Result)
    /// Parked: the answer comes later in `Completions` under this member id.
    case pending(memberId: String)
}

/// Answers to parked requests that a state change completed, keyed by member id.
public struct Completions: Sendable {
    public var joins: [String: JoinResult] = [:]
    public var syncs: [String: SyncResult] = [:]
    /// Members removed because their session (or the rebalance) timed out.
    public var expired: [String] = []
    /// Records to persist: the group's new membership when it became Stable or Empty.
    public var records: [GroupRecord] = []

    public init() {}

    public var isEmpty: Bool { joins.isEmpty && syncs.isEmpty && expired.isEmpty && records.isEmpty }

    mutating func merge(_ other: Completions) {
        joins.merge(other.joins) { $1 }
        syncs.merge(other.syncs) { $1 }
        expired += other.expired
        records += other.records
    }
}
