import KafkaProtocol

/// A consumer group of the new protocol (KIP-848) as a value type. Each heartbeat updates the
/// member, bumps the group epoch when membership, subscriptions or the subscribed topics change,
/// recomputes the target assignment with the server-side assignor, and moves the member one step
/// towards its target: partitions another member still owns are handed over only once that
/// member's heartbeat shows it let them go, so no partition ever has two owners.
public struct ConsumerProtocolGroup: Sendable {
    public let groupId: String
    public internal(set) var groupEpoch: Int32 = 0
    public internal(set) var assignmentEpoch: Int32 = 0
    public internal(set) var members: [String: ConsumerProtocolMember] = [:]
    /// The target assignment of `assignmentEpoch`, by member id.
    public internal(set) var target: [String: Set<TopicPartition>] = [:]
    /// Partition counts of the subscribed topics that exist, as of the last epoch.
    public internal(set) var subscribedTopics: [String: Int32] = [:]
    /// group.instance.id → member id.
    public internal(set) var staticMembers: [String: String] = [:]
    let sessionTimeoutMs: Int64
    var makeMemberId: @Sendable () -> String

    public init(
        groupId: String, sessionTimeoutMs: Int32 = 45_000, memberIdFactory: (@Sendable () -> String)? = nil
    ) {
        self.groupId = groupId
        self.sessionTimeoutMs = Int64(sessionTimeoutMs)
        self.makeMemberId = memberIdFactory ?? { randomUUIDString() }
    }

    /// Kafka's group states: Empty, Assigning (target not computed), Reconciling, Stable.
    public var stateName: String {
        if members.isEmpty { return "Empty" }
        if assignmentEpoch != groupEpoch { return "Assigning" }
        let settled = members.values.allSatisfy { $0.memberEpoch == assignmentEpoch && $0.state == .stable }
        return settled ? "Stable" : "Reconciling"
    }

    /// The assignor the members ask for most (ties by name), else `uniform`.
    public var assignorName: String {
        var votes: [String: Int] = [:]
        for member in members.values { if let name = member.serverAssignor { votes[name, default: 0] += 1 } }
        return votes.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? "uniform"
    }

    // MARK: Heartbeat

    /// One heartbeat. `topics` holds the partition count of every topic a member may subscribe to.
    public mutating func heartbeat(_ request: ConsumerHeartbeat, topics: [String: Int32], now: Int64)
        -> ConsumerHeartbeatResult
    {
        if let assignor = request.serverAssignor, !ConsumerProtocolAssignor.names.contains(assignor) {
            return fail(.unsupportedAssignor, "assignor '\(assignor)' is not supported", request)
        }
        if let regex = request.subscribedTopicRegex, !regex.isEmpty, (try? Regex(regex)) == nil {
            return fail(.invalidRegularExpression, "invalid regular expression '\(regex)'", request)
        }
        switch request.memberEpoch {
        case -1, -2: return leave(request, now: now)
        case 0: break
        default:
            if let error = checkEpoch(request) { return error }
        }
        var memberId = request.memberId.isEmpty ? makeMemberId() : request.memberId
        let isNew =
            request.memberEpoch == 0 && members[memberId] == nil
            && request.instanceId.flatMap { staticMembers[$0] } == nil
        if request.memberEpoch == 0 {
            switch join(request, memberId: memberId, now: now) {
            case .failure(let failure): return failure.result
            case .success(let id): memberId = id
            }
        }
        guard var member = members[memberId] else { return fail(.unknownMemberId, nil, request) }
        let before = member
        member.lastSeenMs = now
        if request.rebalanceTimeoutMs != -1 { member.rebalanceTimeoutMs = request.rebalanceTimeoutMs }
        if let rack = request.rackId { member.rackId = rack }
        member.clientId = request.clientId
        member.clientHost = request.clientHost
        if let names = request.subscribedTopicNames { member.subscribedTopicNames = names }
        if let regex = request.subscribedTopicRegex { member.subscribedTopicRegex = regex.isEmpty ? nil : regex }
        if let assignor = request.serverAssignor { member.serverAssignor = assignor }
        members[memberId] = member
        // One bump per heartbeat, whatever changed: membership, subscription or the topics.
        let changedMembership =
            isNew || before.subscribedTopicNames != member.subscribedTopicNames
            || before.subscribedTopicRegex != member.subscribedTopicRegex
            || before.serverAssignor != member.serverAssignor
        refreshTarget(topics: topics, bump: changedMembership)
        reconcile(memberId, owned: request.ownedPartitions, now: now)
        let updated = members[memberId] ?? member
        let changed = updated.assigned != before.assigned || request.memberEpoch == 0
        return ConsumerHeartbeatResult(
            error: .none, memberId: memberId, memberEpoch: updated.memberEpoch,
            assignment: changed || request.isFull ? updated.assigned : nil)
    }

    private func fail(_ error: ErrorCode, _ message: String?, _ request: ConsumerHeartbeat) -> ConsumerHeartbeatResult {
        ConsumerHeartbeatResult(error: error, message: message, memberId: request.memberId, memberEpoch: -1)
    }

    /// A heartbeat with epoch > 0: the member must exist and be at its epoch, or one behind when
    /// it lost the last answer and still owns only what it was assigned.
    private func checkEpoch(_ request: ConsumerHeartbeat) -> ConsumerHeartbeatResult? {
        guard let member = members[request.memberId] else {
            return fail(.unknownMemberId, "member '\(request.memberId)' is not in the group", request)
        }
        if let instance = request.instanceId, staticMembers[instance] != request.memberId {
            return fail(.fencedInstanceId, "instance '\(instance)' belongs to another member", request)
        }
        if request.memberEpoch == member.memberEpoch { return nil }
        if request.memberEpoch == member.previousMemberEpoch, let owned = request.ownedPartitions,
            owned.isSubset(of: member.assigned)
        {
            return nil
        }
        return fail(.fencedMemberEpoch, "epoch \(request.memberEpoch) is not the member's epoch", request)
    }

    /// Epoch 0: a new member, a member rejoining after it was fenced, or a static member coming back.
    private mutating func join(_ request: ConsumerHeartbeat, memberId: String, now: Int64) -> Result<
        String, JoinFailure
    > {
        if let instance = request.instanceId, let previousId = staticMembers[instance], previousId != memberId,
            var previous = members[previousId]
        {
            guard previous.memberEpoch == -2 else {
                return .failure(
                    JoinFailure(
                        result: fail(.unreleasedInstanceId, "instance '\(instance)' is still in use", request)))
            }
            // The new incarnation takes over the old one's place, epoch and partitions.
            members[previousId] = nil
            target[memberId] = target.removeValue(forKey: previousId)
            previous.memberId = memberId
            previous.memberEpoch = previous.previousMemberEpoch
            members[memberId] = previous
            staticMembers[instance] = memberId
            return .success(memberId)
        }
        if var existing = members[memberId] {
            // Rejoining: it owns nothing any more, so everything it had is free.
            existing.memberEpoch = 0
            existing.previousMemberEpoch = 0
            existing.assigned = []
            existing.pendingRevocation = []
            existing.state = .stable
            members[memberId] = existing
            return .success(memberId)
        }
        members[memberId] = ConsumerProtocolMember(
            memberId: memberId, instanceId: request.instanceId, rackId: request.rackId, clientId: request.clientId,
            clientHost: request.clientHost, rebalanceTimeoutMs: max(request.rebalanceTimeoutMs, 0), lastSeenMs: now)
        if let instance = request.instanceId { staticMembers[instance] = memberId }
        return .success(memberId)
    }

    struct JoinFailure: Error { var result: ConsumerHeartbeatResult }

    /// Epoch -1 leaves; -2 (static members) steps away keeping the partitions until the session
    /// expires or the instance comes back.
    private mutating func leave(_ request: ConsumerHeartbeat, now: Int64) -> ConsumerHeartbeatResult {
        var id = request.memberId
        if request.memberEpoch == -2, let instance = request.instanceId {
            guard let known = staticMembers[instance] else { return fail(.unknownMemberId, nil, request) }
            if !id.isEmpty && id != known { return fail(.fencedInstanceId, nil, request) }
            id = known
        }
        guard var member = members[id] else { return fail(.unknownMemberId, nil, request) }
        if request.memberEpoch == -2 && member.instanceId != nil {
            if member.memberEpoch != -2 { member.previousMemberEpoch = member.memberEpoch }
            member.memberEpoch = -2
            member.lastSeenMs = now
            members[id] = member
            return ConsumerHeartbeatResult(error: .none, memberId: id, memberEpoch: -2)
        }
        remove([id])
        return ConsumerHeartbeatResult(error: .none, memberId: id, memberEpoch: -1)
    }

    mutating func remove(_ ids: [String]) {
        for id in ids {
            guard let member = members.removeValue(forKey: id) else { continue }
            target[id] = nil
            if let instance = member.instanceId, staticMembers[instance] == id { staticMembers[instance] = nil }
        }
        if !ids.isEmpty { groupEpoch += 1 }
    }
}
