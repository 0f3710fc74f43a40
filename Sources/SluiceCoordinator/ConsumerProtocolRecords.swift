import NIOCore

/// A record of a consumer-protocol (KIP-848) group in `__consumer_offsets`. Keys follow Kafka's
/// layout and key versions (3 group epoch, 4 subscribed topics, 5 member, 6 target epoch,
/// 7 member target, 8 member's current assignment); values are a simplified, non-flexible
/// subset of Kafka's value versions 0 that names topics instead of topic ids. A nil payload is
/// a tombstone.
public enum ConsumerProtocolRecord: Equatable, Sendable {
    /// `ConsumerGroupMetadataValue`: the group epoch.
    case groupEpoch(group: String, Int32?)
    /// `ConsumerGroupPartitionMetadataValue`: partition counts of the subscribed topics.
    case subscribedTopics(group: String, [String: Int32]?)
    /// `ConsumerGroupMemberMetadataValue`.
    case memberMetadata(group: String, memberId: String, MemberMetadata?)
    /// `ConsumerGroupTargetAssignmentMetadataValue`: the assignment epoch.
    case targetEpoch(group: String, Int32?)
    /// `ConsumerGroupTargetAssignmentMemberValue`: one member's target partitions.
    case targetMember(group: String, memberId: String, Set<TopicPartition>?)
    /// `ConsumerGroupCurrentMemberAssignmentValue`.
    case currentAssignment(group: String, memberId: String, CurrentAssignment?)

    /// What a member subscribes with.
    public struct MemberMetadata: Equatable, Sendable {
        public var instanceId: String?
        public var rackId: String?
        public var clientId: String
        public var clientHost: String
        public var subscribedTopicNames: [String]
        public var subscribedTopicRegex: String?
        public var rebalanceTimeoutMs: Int32
        public var serverAssignor: String?
    }

    /// Where a member is: its epochs, state and partitions.
    public struct CurrentAssignment: Equatable, Sendable {
        public var memberEpoch: Int32
        public var previousMemberEpoch: Int32
        public var state: ConsumerMemberState
        public var assigned: Set<TopicPartition>
        public var pendingRevocation: Set<TopicPartition>
    }

    /// The key versions of these records.
    static let keyVersions: ClosedRange<Int16> = 3...8

    public var groupId: String {
        switch self {
        case .groupEpoch(let group, _), .subscribedTopics(let group, _), .memberMetadata(let group, _, _),
            .targetEpoch(let group, _), .targetMember(let group, _, _), .currentAssignment(let group, _, _):
            return group
        }
    }

    public func encoded() -> (key: ByteBuffer, value: ByteBuffer?) {
        var key = ByteBuffer()
        var value = ByteBuffer()
        value.writeInteger(Int16(0))
        func writeKey(_ version: Int16, _ group: String, _ member: String? = nil) {
            key.writeInteger(version)
            GroupRecord.writeString(&key, group)
            if let member { GroupRecord.writeString(&key, member) }
        }
        switch self {
        case .groupEpoch(let group, let epoch), .targetEpoch(let group, let epoch):
            if case .groupEpoch = self { writeKey(3, group) } else { writeKey(6, group) }
            guard let epoch else { return (key, nil) }
            value.writeInteger(epoch)
        case .subscribedTopics(let group, let topics):
            writeKey(4, group)
            guard let topics else { return (key, nil) }
            value.writeInteger(Int32(topics.count))
            for (topic, count) in topics.sorted(by: { $0.key < $1.key }) {
                GroupRecord.writeString(&value, topic)
                value.writeInteger(count)
            }
        case .memberMetadata(let group, let member, let metadata):
            writeKey(5, group, member)
            guard let metadata else { return (key, nil) }
            Self.write(&value, metadata)
        case .targetMember(let group, let member, let partitions):
            writeKey(7, group, member)
            guard let partitions else { return (key, nil) }
            Self.write(&value, partitions)
        case .currentAssignment(let group, let member, let current):
            writeKey(8, group, member)
            guard let current else { return (key, nil) }
            value.writeInteger(current.memberEpoch)
            value.writeInteger(current.previousMemberEpoch)
            value.writeInteger(Self.stateCodes[current.state] ?? 0)
            Self.write(&value, current.assigned)
            Self.write(&value, current.pendingRevocation)
        }
        return (key, value)
    }

    /// Kafka's `MemberState` values.
    static let stateCodes: [ConsumerMemberState: Int8] = [
        .stable: 1, .unrevokedPartitions: 2, .unreleasedPartitions: 3,
    ]

    private static func write(_ value: inout ByteBuffer, _ metadata: MemberMetadata) {
        GroupRecord.writeNullableString(&value, metadata.instanceId)
        GroupRecord.writeNullableString(&value, metadata.rackId)
        GroupRecord.writeString(&value, metadata.clientId)
        GroupRecord.writeString(&value, metadata.clientHost)
        value.writeInteger(Int32(metadata.subscribedTopicNames.count))
        for name in metadata.subscribedTopicNames { GroupRecord.writeString(&value, name) }
        GroupRecord.writeNullableString(&value, metadata.subscribedTopicRegex)
        value.writeInteger(metadata.rebalanceTimeoutMs)
        GroupRecord.writeNullableString(&value, metadata.serverAssignor)
    }

    /// Partitions grouped by topic, as Kafka's `TopicPartitions` (by name here).
    private static func write(_ value: inout ByteBuffer, _ partitions: Set<TopicPartition>) {
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        value.writeInteger(Int32(byTopic.count))
        for (topic, members) in byTopic.sorted(by: { $0.key < $1.key }) {
            GroupRecord.writeString(&value, topic)
            value.writeInteger(Int32(members.count))
            for partition in members.map(\.partition).sorted() { value.writeInteger(partition) }
        }
    }
}
