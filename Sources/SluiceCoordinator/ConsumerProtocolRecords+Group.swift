/// Writing and replaying a consumer-protocol group's records: after each change the broker
/// appends what differs from the group before it, and replay at start applies them in log order.
extension ConsumerProtocolGroup {
    /// The records that turn `old` (nil: nothing stored) into this group, Kafka's order: member
    /// metadata, group epoch, subscribed topics, target assignment, current assignments. A group
    /// with no members is written as tombstones of everything it had.
    public func records(since old: ConsumerProtocolGroup?) -> [ConsumerProtocolRecord] {
        var records: [ConsumerProtocolRecord] = []
        let oldMembers = old?.members ?? [:]
        for id in oldMembers.keys.sorted() where members[id] == nil {
            records.append(.currentAssignment(group: groupId, memberId: id, nil))
            records.append(.targetMember(group: groupId, memberId: id, nil))
            records.append(.memberMetadata(group: groupId, memberId: id, nil))
        }
        if members.isEmpty {
            guard let old, !old.members.isEmpty || old.groupEpoch != 0 else { return records }
            return records + [
                .targetEpoch(group: groupId, nil), .subscribedTopics(group: groupId, nil),
                .groupEpoch(group: groupId, nil),
            ]
        }
        let ids = members.keys.sorted()
        for id in ids where members[id]?.storedMetadata != oldMembers[id]?.storedMetadata {
            records.append(.memberMetadata(group: groupId, memberId: id, members[id]?.storedMetadata))
        }
        if groupEpoch != old?.groupEpoch { records.append(.groupEpoch(group: groupId, groupEpoch)) }
        if subscribedTopics != old?.subscribedTopics {
            records.append(.subscribedTopics(group: groupId, subscribedTopics))
        }
        for id in ids where target[id] != old?.target[id] {
            records.append(.targetMember(group: groupId, memberId: id, target[id] ?? []))
        }
        if assignmentEpoch != old?.assignmentEpoch { records.append(.targetEpoch(group: groupId, assignmentEpoch)) }
        for id in ids where members[id]?.storedAssignment != oldMembers[id]?.storedAssignment {
            records.append(.currentAssignment(group: groupId, memberId: id, members[id]?.storedAssignment))
        }
        return records
    }

    /// Applies one stored record. Members come back with a fresh session from `now`; those that
    /// do not heartbeat again expire as usual.
    public mutating func replay(_ record: ConsumerProtocolRecord, now: Int64) {
        switch record {
        case .groupEpoch(_, let epoch): groupEpoch = epoch ?? 0
        case .subscribedTopics(_, let topics): subscribedTopics = topics ?? [:]
        case .targetEpoch(_, let epoch): assignmentEpoch = epoch ?? 0
        case .targetMember(_, let id, let partitions): target[id] = partitions
        case .memberMetadata(_, let id, let metadata):
            guard let metadata else {
                if let instance = members.removeValue(forKey: id)?.instanceId, staticMembers[instance] == id {
                    staticMembers[instance] = nil
                }
                return
            }
            var member =
                members[id]
                ?? ConsumerProtocolMember(
                    memberId: id, instanceId: nil, rackId: nil, clientId: "", clientHost: "", rebalanceTimeoutMs: 0,
                    lastSeenMs: now)
            member.storedMetadata = metadata
            members[id] = member
            if let instance = metadata.instanceId { staticMembers[instance] = id }
        case .currentAssignment(_, let id, let current):
            guard let current, var member = members[id] else { return }
            member.memberEpoch = current.memberEpoch
            member.previousMemberEpoch = current.previousMemberEpoch
            member.state = current.state
            member.assigned = current.assigned
            member.pendingRevocation = current.pendingRevocation
            member.revocationDeadlineMs =
                current.state == .unrevokedPartitions ? now + Int64(member.rebalanceTimeoutMs) : nil
            members[id] = member
        }
    }
}

extension ConsumerProtocolMember {
    /// The fields of `ConsumerGroupMemberMetadataValue`.
    var storedMetadata: ConsumerProtocolRecord.MemberMetadata {
        get {
            .init(
                instanceId: instanceId, rackId: rackId, clientId: clientId, clientHost: clientHost,
                subscribedTopicNames: subscribedTopicNames, subscribedTopicRegex: subscribedTopicRegex,
                rebalanceTimeoutMs: rebalanceTimeoutMs, serverAssignor: serverAssignor)
        }
        set {
            instanceId = newValue.instanceId
            rackId = newValue.rackId
            clientId = newValue.clientId
            clientHost = newValue.clientHost
            subscribedTopicNames = newValue.subscribedTopicNames
            subscribedTopicRegex = newValue.subscribedTopicRegex
            rebalanceTimeoutMs = newValue.rebalanceTimeoutMs
            serverAssignor = newValue.serverAssignor
        }
    }

    /// The fields of `ConsumerGroupCurrentMemberAssignmentValue`.
    var storedAssignment: ConsumerProtocolRecord.CurrentAssignment {
        .init(
            memberEpoch: memberEpoch, previousMemberEpoch: previousMemberEpoch, state: state, assigned: assigned,
            pendingRevocation: pendingRevocation)
    }
}
