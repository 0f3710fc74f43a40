import KafkaProtocol
import NIOCore

/// A classic-protocol consumer group as a value type: requests and the clock go in, answers and
/// the answers to parked requests come out. It does no I/O; the broker's group service feeds it
/// the time, parks the delayed JoinGroup/SyncGroup replies and persists the records it asks for.
public struct ConsumerGroup: Sendable {
    public let groupId: String
    public internal(set) var state: GroupState = .empty
    public internal(set) var generationId: Int32 = 0
    public internal(set) var protocolType: String?
    public internal(set) var protocolName: String?
    public internal(set) var leaderId: String?
    /// Members by id; `memberOrder` keeps join order, which picks the leader.
    public internal(set) var members: [String: GroupMember] = [:]
    var memberOrder: [String] = []
    /// Static members: group.instance.id → current member id.
    public internal(set) var staticMembers: [String: String] = [:]
    /// Ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with when they lapse
    /// (one session timeout later, as in Kafka).
    var pendingMemberIds: [String: Int64] = [:]
    /// When the current rebalance gives up on members that have not rejoined.
    var rebalanceDeadlineMs: Int64?
    /// When CompletingRebalance gives up on members (the leader above all) that have not synced.
    var syncDeadlineMs: Int64?
    /// Committed offsets.
    public internal(set) var offsets: [TopicPartition: CommittedOffset] = [:]
    /// Makes member ids; replaceable so tests get predictable ids.
    var makeMemberId: @Sendable (String) -> String

    public init(groupId: String, memberIdFactory: (@Sendable (String) -> String)? = nil) {
        self.groupId = groupId
        self.makeMemberId = memberIdFactory ?? { clientId in "\(clientId)-\(randomUUIDString())" }
    }

    /// Never used: no members, offsets, pending joins or past generations. Not worth keeping.
    public var isUnused: Bool {
        state == .empty && members.isEmpty && offsets.isEmpty && pendingMemberIds.isEmpty && generationId == 0
    }

    /// Empty with nothing left to remember (offsets or members about to join): a group the
    /// periodic clean-up may forget, as Kafka does.
    public var isForgettable: Bool {
        state == .empty && members.isEmpty && offsets.isEmpty && pendingMemberIds.isEmpty
    }

    /// Members in join order.
    public var orderedMembers: [GroupMember] { memberOrder.compactMap { members[$0] } }

    // MARK: Rebalance

    /// Moves to PreparingRebalance: every member must rejoin before the rebalance timeout.
    mutating func prepareRebalance(now: Int64) -> Completions {
        var completions = Completions()
        if state == .completingRebalance {
            // Parked syncs of the old generation cannot complete any more: members must rejoin.
            for id in memberOrder where members[id]?.awaitingSync == true {
                members[id]?.awaitingSync = false
                members[id]?.lastSeenMs = now
                completions.syncs[id] = SyncResult(error: .rebalanceInProgress)
            }
        }
        syncDeadlineMs = nil
        if state != .preparingRebalance {
            let timeout = members.values.map(\.rebalanceTimeoutMs).max() ?? 0
            rebalanceDeadlineMs = now + Int64(timeout)
        }
        state = .preparingRebalance
        completions.merge(completeJoinIfReady(now: now))
        return completions
    }

    /// Completes the join phase when every member has rejoined.
    mutating func completeJoinIfReady(now: Int64) -> Completions {
        guard state == .preparingRebalance, members.values.allSatisfy(\.awaitingJoin) else { return Completions() }
        return completeJoin(now: now)
    }

    /// Starts the next generation with the members that rejoined; the leader gets every member's
    /// subscription and the others wait for its assignment in SyncGroup.
    mutating func completeJoin(now: Int64) -> Completions {
        var completions = Completions()
        for id in memberOrder where members[id]?.awaitingJoin == false {
            completions.expired.append(id)
            remove(memberId: id)
        }
        rebalanceDeadlineMs = nil
        generationId += 1
        if members.isEmpty {
            state = .empty
            protocolName = nil
            leaderId = nil
            completions.records.append(snapshotRecord(now: now))
            return completions
        }
        protocolName = selectProtocol()
        if leaderId.map({ members[$0] == nil }) ?? true { leaderId = memberOrder.first }
        state = .completingRebalance
        syncDeadlineMs = now + Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
        for id in memberOrder {
            members[id]?.awaitingJoin = false
            members[id]?.lastSeenMs = now
            members[id]?.assignment = ByteBuffer()
            completions.joins[id] = joinResult(for: id)
        }
        return completions
    }

    /// The answer a member of the current generation gets from JoinGroup.
    func joinResult(for memberId: String) -> JoinResult {
        var result = JoinResult(error: .none, memberId: memberId)
        result.generationId = generationId
        result.protocolType = protocolType
        result.protocolName = protocolName
        result.leader = leaderId ?? ""
        if memberId == leaderId {
            result.members = orderedMembers.map {
                JoinedMember(
                    memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, metadata: $0.metadata(for: protocolName)
                )
            }
        }
        return result
    }

    /// The protocol every member supports that most members prefer (Kafka's vote).
    func selectProtocol() -> String? {
        let all = orderedMembers
        guard let first = all.first else { return nil }
        let candidates = first.protocols.map(\.name).filter { name in
            all.allSatisfy { $0.protocols.contains { $0.name == name } }
        }
        var votes: [String: Int] = [:]
        for member in all {
            if let choice = member.protocols.first(where: { candidates.contains($0.name) }) {
                votes[choice.name, default: 0] += 1
            }
        }
        return candidates.max { (votes[$0] ?? 0) < (votes[$1] ?? 0) }
    }

    /// Whether a member with these protocols can join: same type, and a protocol all share.
    func supports(protocolType: String, protocols: [MemberProtocol], replacing memberId: String? = nil) -> Bool {
        guard !protocolType.isEmpty, !protocols.isEmpty else { return false }
        let others = members.values.filter { $0.memberId != memberId }
        if others.isEmpty { return true }
        guard protocolType == self.protocolType else { return false }
        return protocols.contains { proto in others.allSatisfy { $0.protocols.contains { $0.name == proto.name } } }
    }

    mutating func add(_ member: GroupMember) {
        if members[member.memberId] == nil { memberOrder.append(member.memberId) }
        members[member.memberId] = member
        if let instance = member.groupInstanceId { staticMembers[instance] = member.memberId }
        protocolType = member.protocolType
    }

    mutating func remove(memberId: String) {
        guard let member = members.removeValue(forKey: memberId) else { return }
        memberOrder.removeAll { $0 == memberId }
        if let instance = member.groupInstanceId, staticMembers[instance] == memberId {
            staticMembers[instance] = nil
        }
        if leaderId == memberId { leaderId = nil }
    }

    /// Removes members (leave or expiry) and rebalances the rest.
    mutating func removeAndRebalance(_ ids: [String], now: Int64) -> Completions {
        var completions = Completions()
        for id in ids {
            guard let member = members[id] else { continue }
            if member.awaitingJoin { completions.joins[id] = JoinResult(error: .unknownMemberId, memberId: id) }
            if member.awaitingSync { completions.syncs[id] = SyncResult(error: .unknownMemberId) }
            remove(memberId: id)
        }
        guard state != .empty, state != .dead else { return completions }
        if members.isEmpty && state != .preparingRebalance {
            generationId += 1
            state = .empty
            protocolName = nil
            leaderId = nil
            rebalanceDeadlineMs = nil
            completions.records.append(snapshotRecord(now: now))
            return completions
        }
        completions.merge(prepareRebalance(now: now))
        return completions
    }

    // MARK: Clock

    /// Expires members whose session ran out and ends a rebalance whose timeout has passed.
    public mutating func tick(now: Int64) -> Completions {
        var completions = Completions()
        pendingMemberIds = pendingMemberIds.filter { $0.value > now }
        let expired = memberOrder.filter { id in members[id]?.sessionExpired(now: now) == true }
        if !expired.isEmpty {
            completions.expired += expired
            completions.merge(removeAndRebalance(expired, now: now))
        }
        if state == .preparingRebalance, let deadline = rebalanceDeadlineMs, now >= deadline {
            completions.merge(completeJoin(now: now))
        }
        if state == .completingRebalance, let deadline = syncDeadlineMs, now >= deadline {
            // Members that never sent SyncGroup (a leader that never assigned) are dropped and the
            // rest rebalance, so the group cannot hang in CompletingRebalance.
            let unsynced = memberOrder.filter { members[$0]?.awaitingSync == false }
            completions.expired += unsynced
            completions.merge(removeAndRebalance(unsynced, now: now))
        }
        return completions
    }
}

/// A random version-4 UUID in its canonical text form, for member ids.
func randomUUIDString() -> String {
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
    var b = bytes
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    let hex = b.map { String($0, radix: 16).leftPadded(to: 2) }
    return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
