import KafkaProtocol

/// One ConsumerGroupHeartbeat (KIP-848) stripped of wire details. Optional fields are nil when the
/// member did not send them: after its first heartbeat a member only sends what changed.
public struct ConsumerHeartbeat: Sendable {
    public var memberId: String
    public var memberEpoch: Int32
    public var instanceId: String?
    public var rackId: String?
    public var clientId: String
    public var clientHost: String
    /// -1 when not sent.
    public var rebalanceTimeoutMs: Int32
    public var subscribedTopicNames: [String]?
    public var subscribedTopicRegex: String?
    public var serverAssignor: String?
    /// The partitions the member owns, topic ids already resolved to names; nil when not sent.
    public var ownedPartitions: Set<TopicPartition>?

    public init(
        memberId: String, memberEpoch: Int32, instanceId: String? = nil, rackId: String? = nil, clientId: String = "",
        clientHost: String = "", rebalanceTimeoutMs: Int32 = -1, subscribedTopicNames: [String]? = nil,
        subscribedTopicRegex: String? = nil, serverAssignor: String? = nil, ownedPartitions: Set<TopicPartition>? = nil
    ) {
        self.memberId = memberId
        self.memberEpoch = memberEpoch
        self.instanceId = instanceId
        self.rackId = rackId
        self.clientId = clientId
        self.clientHost = clientHost
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.subscribedTopicNames = subscribedTopicNames
        self.subscribedTopicRegex = subscribedTopicRegex
        self.serverAssignor = serverAssignor
        self.ownedPartitions = ownedPartitions
    }

    /// A full request carries every field a joining member must send; it always gets the
    /// assignment back (the member may have lost track of it).
    var isFull: Bool {
        rebalanceTimeoutMs != -1 && (subscribedTopicNames != nil || subscribedTopicRegex != nil)
            && ownedPartitions != nil
    }
}

/// The answer to one heartbeat.
public struct ConsumerHeartbeatResult: Equatable, Sendable {
    public var error: ErrorCode
    public var message: String?
    public var memberId: String
    public var memberEpoch: Int32
    /// The member's whole current assignment, or nil when it has not changed.
    public var assignment: Set<TopicPartition>?

    public init(
        error: ErrorCode, message: String? = nil, memberId: String = "", memberEpoch: Int32 = 0,
        assignment: Set<TopicPartition>? = nil
    ) {
        self.error = error
        self.message = message
        self.memberId = memberId
        self.memberEpoch = memberEpoch
        self.assignment = assignment
    }
}

/// Where a member is in reconciling its assignment with its target (Kafka's `MemberState`).
public enum ConsumerMemberState: String, Sendable {
    /// Owns its whole target at the assignment epoch.
    case stable = "STABLE"
    /// Must give up partitions first; its epoch stays until its heartbeat shows they are gone.
    case unrevokedPartitions = "UNREVOKED_PARTITIONS"
    /// At the new epoch, but waits for partitions other members still own.
    case unreleasedPartitions = "UNRELEASED_PARTITIONS"
}

/// A member of a consumer-protocol group.
public struct ConsumerProtocolMember: Equatable, Sendable {
    public var memberId: String
    public var instanceId: String?
    public var rackId: String?
    public var clientId: String
    public var clientHost: String
    public var rebalanceTimeoutMs: Int32
    public var subscribedTopicNames: [String] = []
    public var subscribedTopicRegex: String?
    public var serverAssignor: String?
    /// -2 while a static member is away (it left with epoch -2 and may come back).
    public var memberEpoch: Int32 = 0
    public var previousMemberEpoch: Int32 = 0
    public var state: ConsumerMemberState = .stable
    public var assigned: Set<TopicPartition> = []
    public var pendingRevocation: Set<TopicPartition> = []
    var lastSeenMs: Int64
    var revocationDeadlineMs: Int64?

    /// Partitions this member may still be consuming: no one else may have them yet.
    var owned: Set<TopicPartition> { assigned.union(pendingRevocation) }
}
