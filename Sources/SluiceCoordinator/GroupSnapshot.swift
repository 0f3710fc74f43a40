import NIOCore

/// A group's membership as Kafka stores it in `GroupMetadataValue`: written when a generation
/// becomes Stable or the group empties, read back at start so live members keep their
/// generation across a broker restart.
public struct GroupSnapshot: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var memberId: String
        public var groupInstanceId: String?
        public var clientId: String
        public var clientHost: String
        public var rebalanceTimeoutMs: Int32
        public var sessionTimeoutMs: Int32
        public var subscription: ByteBuffer
        public var assignment: ByteBuffer
    }

    public var protocolType: String
    public var generation: Int32
    public var protocolName: String?
    public var leader: String?
    public var currentStateTimestamp: Int64
    public var members: [Member]

    /// `GroupMetadataValue` version 3 (the last non-flexible one).
    func encoded() -> ByteBuffer {
        var value = ByteBuffer()
        value.writeInteger(Int16(3))
        GroupRecord.writeString(&value, protocolType)
        value.writeInteger(generation)
        GroupRecord.writeNullableString(&value, protocolName)
        GroupRecord.writeNullableString(&value, leader)
        value.writeInteger(currentStateTimestamp)
        value.writeInteger(Int32(members.count))
        for member in members {
            GroupRecord.writeString(&value, member.memberId)
            GroupRecord.writeNullableString(&value, member.groupInstanceId)
            GroupRecord.writeString(&value, member.clientId)
            GroupRecord.writeString(&value, member.clientHost)
            value.writeInteger(member.rebalanceTimeoutMs)
            value.writeInteger(member.sessionTimeoutMs)
            GroupRecord.writeBytes(&value, member.subscription)
            GroupRecord.writeBytes(&value, member.assignment)
        }
        return value
    }

    /// Reads `GroupMetadataValue` versions 0–3.
    static func decode(_ value: inout ByteBuffer) throws(GroupRecord.DecodingError) -> GroupSnapshot {
        guard let version = value.readInteger(as: Int16.self), (0...3).contains(version) else {
            throw GroupRecord.DecodingError(description: "unsupported group metadata value version")
        }
        let protocolType = try GroupRecord.readString(&value)
        let generation = try GroupRecord.readInt32(&value)
        let protocolName = try GroupRecord.readNullableString(&value)
        let leader = try GroupRecord.readNullableString(&value)
        var timestamp: Int64 = -1
        if version >= 2 {
            guard let read = value.readInteger(as: Int64.self) else {
                throw GroupRecord.DecodingError(description: "short group metadata value")
            }
            timestamp = read
        }
        let count = try GroupRecord.readInt32(&value)
        guard count >= 0, Int(count) <= value.readableBytes else {
            throw GroupRecord.DecodingError(description: "bad member count")
        }
        var members: [Member] = []
        for _ in 0..<count {
            let memberId = try GroupRecord.readString(&value)
            let instance = version >= 3 ? try GroupRecord.readNullableString(&value) : nil
            let clientId = try GroupRecord.readString(&value)
            let clientHost = try GroupRecord.readString(&value)
            let rebalance = version >= 1 ? try GroupRecord.readInt32(&value) : -1
            let session = try GroupRecord.readInt32(&value)
            let subscription = try GroupRecord.readBytes(&value)
            let assignment = try GroupRecord.readBytes(&value)
            members.append(
                Member(
                    memberId: memberId, groupInstanceId: instance, clientId: clientId, clientHost: clientHost,
                    rebalanceTimeoutMs: rebalance < 0 ? session : rebalance, sessionTimeoutMs: session,
                    subscription: subscription, assignment: assignment))
        }
        return GroupSnapshot(
            protocolType: protocolType, generation: generation, protocolName: protocolName, leader: leader,
            currentStateTimestamp: timestamp, members: members)
    }
}

extension ConsumerGroup {
    /// The group's membership as a `GroupMetadataValue` record.
    func snapshotRecord(now: Int64) -> GroupRecord {
        let snapshot = GroupSnapshot(
            protocolType: protocolType ?? "", generation: generationId, protocolName: protocolName, leader: leaderId,
            currentStateTimestamp: now,
            members: orderedMembers.map { member in
                GroupSnapshot.Member(
                    memberId: member.memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId,
                    clientHost: member.clientHost, rebalanceTimeoutMs: member.rebalanceTimeoutMs,
                    sessionTimeoutMs: member.sessionTimeoutMs, subscription: member.metadata(for: protocolName),
                    assignment: member.assignment)
            })
        return .groupMetadata(group: groupId, snapshot)
    }

    /// Replay of a `GroupMetadataValue`: the members come back Stable in their generation, with a
    /// fresh session from `now`; those that do not heartbeat again expire as usual.
    mutating func restore(_ snapshot: GroupSnapshot, now: Int64) {
        generationId = snapshot.generation
        protocolType = snapshot.protocolType.isEmpty ? nil : snapshot.protocolType
        protocolName = snapshot.protocolName
        members = [:]
        memberOrder = []
        staticMembers = [:]
        for member in snapshot.members {
            var restored = GroupMember(
                memberId: member.memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId,
                clientHost: member.clientHost, sessionTimeoutMs: member.sessionTimeoutMs,
                rebalanceTimeoutMs: member.rebalanceTimeoutMs, protocolType: snapshot.protocolType,
                protocols: [MemberProtocol(name: snapshot.protocolName ?? "", metadata: member.subscription)],
                lastSeenMs: now)
            restored.assignment = member.assignment
            add(restored)
        }
        leaderId = snapshot.leader.flatMap { members[$0] == nil ? nil : $0 }
        state = members.isEmpty ? .empty : .stable
    }
}
