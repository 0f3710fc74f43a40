import KafkaProtocol
import NIOCore

extension ConsumerGroup {
    /// JoinGroup. New members get an id (after a MEMBER_ID_REQUIRED round trip from v4) and start a
    /// rebalance; the reply is usually parked until every member has rejoined (`.pending`), and then
    /// arrives through the returned completions.
    public mutating func join(_ request: JoinRequest, now: Int64) -> (
        reply: Delayed<JoinResult>, completions: Completions
    ) {
        guard state != .dead else { return (.now(JoinResult(error: .coordinatorNotAvailable)), Completions()) }
        let existing = request.memberId.isEmpty ? nil : request.memberId
        guard supports(protocolType: request.protocolType, protocols: request.protocols, replacing: existing) else {
            return (.now(JoinResult(error: .inconsistentGroupProtocol, memberId: request.memberId)), Completions())
        }
        if request.memberId.isEmpty {
            if let instance = request.groupInstanceId, let oldId = staticMembers[instance] {
                return rejoinStatic(request, instance: instance, replacing: oldId, now: now)
            }
            let newId = makeMemberId(request.clientId)
            if request.requireKnownMemberId && request.groupInstanceId == nil {
                pendingMemberIds[newId] = now + Int64(request.sessionTimeoutMs)
                return (.now(JoinResult(error: .memberIdRequired, memberId: newId)), Completions())
            }
            return addMemberAndRebalance(request, memberId: newId, now: now)
        }
        if pendingMemberIds.removeValue(forKey: request.memberId) != nil {
            return addMemberAndRebalance(request, memberId: request.memberId, now: now)
        }
        if let instance = request.groupInstanceId, let known = staticMembers[instance], known != request.memberId {
            return (.now(JoinResult(error: .fencedInstanceId, memberId: request.memberId)), Completions())
        }
        guard var member = members[request.memberId] else {
            return (.now(JoinResult(error: .unknownMemberId, memberId: request.memberId)), Completions())
        }
        let unchanged = member.protocols == request.protocols
        member.protocols = request.protocols
        member.sessionTimeoutMs = request.sessionTimeoutMs
        member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
        member.lastSeenMs = now
        members[request.memberId] = member
        switch state {
        case .completingRebalance, .stable:
            // A follower that rejoins unchanged just learns the current generation again.
            if unchanged && request.memberId != leaderId {
                return (.now(joinResult(for: request.memberId)), Completions())
            }
        default: break
        }
        return park(memberId: request.memberId, now: now)
    }

    private mutating func addMemberAndRebalance(_ request: JoinRequest, memberId: String, now: Int64) -> (
        reply: Delayed<JoinResult>, completions: Completions
    ) {
        add(
            GroupMember(
                memberId: memberId, groupInstanceId: request.groupInstanceId, clientId: request.clientId,
                clientHost: request.clientHost, sessionTimeoutMs: request.sessionTimeoutMs,
                rebalanceTimeoutMs: request.rebalanceTimeoutMs, protocolType: request.protocolType,
                protocols: request.protocols, lastSeenMs: now))
        return park(memberId: memberId, now: now)
    }

    /// Parks the member's join and (re)starts the rebalance; the join may complete at once.
    private mutating func park(memberId: String, now: Int64) -> (reply: Delayed<JoinResult>, completions: Completions) {
        members[memberId]?.awaitingJoin = true
        var completions = prepareRebalance(now: now)
        if let result = completions.joins.removeValue(forKey: memberId) { return (.now(result), completions) }
        return (.pending(memberId: memberId), completions)
    }

    /// A static member came back with a new id: it takes over the old member's place. With the same
    /// protocols in a Stable group there is no rebalance: it gets its current generation back.
    private mutating func rejoinStatic(_ request: JoinRequest, instance: String, replacing oldId: String, now: Int64)
        -> (reply: Delayed<JoinResult>, completions: Completions)
    {
        guard var member = members[oldId] else {
            return addMemberAndRebalance(request, memberId: makeMemberId(request.clientId), now: now)
        }
        var completions = Completions()
        // The old incarnation's parked requests are fenced.
        if member.awaitingJoin { completions.joins[oldId] = JoinResult(error: .fencedInstanceId, memberId: oldId) }
        if member.awaitingSync { completions.syncs[oldId] = SyncResult(error: .fencedInstanceId) }
        let newId = makeMemberId(request.clientId)
        let unchanged = member.protocols == request.protocols
        let wasLeader = leaderId == oldId
        remove(memberId: oldId)
        member.memberId = newId
        member.clientId = request.clientId
        member.clientHost = request.clientHost
        member.sessionTimeoutMs = request.sessionTimeoutMs
        member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
        member.protocols = request.protocols
        member.awaitingJoin = false
        member.awaitingSync = false
        member.lastSeenMs = now
        add(member)
        if wasLeader { leaderId = newId }
        if state == .stable && unchanged {
            var result = joinResult(for: newId)
            result.skipAssignment = newId == leaderId
            completions.records.append(snapshotRecord(now: now))
            return (.now(result), completions)
        }
        let parked = park(memberId: newId, now: now)
        completions.merge(parked.completions)
        return (parked.reply, completions)
    }

    /// SyncGroup: the leader's call carries everyone's assignment and completes every parked sync.
    public mutating func sync(
        memberId: String, groupInstanceId: String?, generationId: Int32, protocolType: String?, protocolName: String?,
        assignments: [String: ByteBuffer], now: Int64
    ) -> (reply: Delayed<SyncResult>, completions: Completions) {
        if let error = validateMember(memberId, instanceId: groupInstanceId, generation: generationId) {
            return (.now(SyncResult(error: error)), Completions())
        }
        if let type = protocolType, type != self.protocolType {
            return (.now(SyncResult(error: .inconsistentGroupProtocol)), Completions())
        }
        if let name = protocolName, name != self.protocolName {
            return (.now(SyncResult(error: .inconsistentGroupProtocol)), Completions())
        }
        members[memberId]?.lastSeenMs = now
        switch state {
        case .preparingRebalance:
            return (.now(SyncResult(error: .rebalanceInProgress)), Completions())
        case .stable:
            return (.now(syncResult(for: memberId)), Completions())
        case .completingRebalance:
            members[memberId]?.awaitingSync = true
            guard memberId == leaderId else { return (.pending(memberId: memberId), Completions()) }
            var completions = Completions()
            for id in memberOrder {
                members[id]?.assignment = assignments[id] ?? ByteBuffer()
                if members[id]?.awaitingSync == true {
                    members[id]?.awaitingSync = false
                    // Its session restarts now that its wait is answered.
                    members[id]?.lastSeenMs = now
                    completions.syncs[id] = syncResult(for: id)
                }
            }
            state = .stable
            syncDeadlineMs = nil
            completions.records.append(snapshotRecord(now: now))
            let mine = completions.syncs.removeValue(forKey: memberId) ?? syncResult(for: memberId)
            return (.now(mine), completions)
        case .empty, .dead:
            return (.now(SyncResult(error: .unknownMemberId)), Completions())
        }
    }

    func syncResult(for memberId: String) -> SyncResult {
        SyncResult(
            error: .none, protocolType: protocolType, protocolName: protocolName,
            assignment: members[memberId]?.assignment ?? ByteBuffer())
    }

    /// Heartbeat: keeps the session alive and tells the member when it must rejoin.
    public mutating func heartbeat(memberId: String, groupInstanceId: String?, generationId: Int32, now: Int64)
        -> ErrorCode
    {
        if let error = validateMember(memberId, instanceId: groupInstanceId, generation: generationId) { return error }
        members[memberId]?.lastSeenMs = now
        return state == .preparingRebalance ? .rebalanceInProgress : .none
    }

    /// Checks that a request comes from a current member of this generation.
    func validateMember(_ memberId: String, instanceId: String?, generation: Int32) -> ErrorCode? {
        if state == .dead { return .coordinatorNotAvailable }
        if let instanceId, let known = staticMembers[instanceId], known != memberId { return .fencedInstanceId }
        guard members[memberId] != nil else { return .unknownMemberId }
        if generation != generationId { return .illegalGeneration }
        return nil
    }

    /// LeaveGroup for one member, by member id or (static members) by instance id.
    public mutating func leave(memberId: String, groupInstanceId: String?, now: Int64) -> (
        error: ErrorCode, completions: Completions
    ) {
        var id = memberId
        if let instance = groupInstanceId {
            guard let known = staticMembers[instance] else { return (.unknownMemberId, Completions()) }
            if !memberId.isEmpty && memberId != known { return (.fencedInstanceId, Completions()) }
            id = known
        }
        if pendingMemberIds.removeValue(forKey: id) != nil { return (.none, Completions()) }
        guard members[id] != nil else { return (.unknownMemberId, Completions()) }
        return (.none, removeAndRebalance([id], now: now))
    }
}
