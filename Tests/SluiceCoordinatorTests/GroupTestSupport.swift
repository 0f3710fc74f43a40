import KafkaProtocol
import NIOCore

@testable import SluiceCoordinator

/// A group whose member ids are "<clientId>-1", "<clientId>-2", … so tests can name them.
func makeGroup(_ id: String = "g") -> ConsumerGroup {
    let counter = Counter()
    return ConsumerGroup(groupId: id) { clientId in "\(clientId)-\(counter.next())" }
}

/// Numbers member ids; only touched from the one test that owns the group.
final class Counter: @unchecked Sendable {
    private var value = 0
    func next() -> Int {
        value += 1
        return value
    }
}

func proto(_ name: String, _ bytes: [UInt8] = [1]) -> MemberProtocol {
    MemberProtocol(name: name, metadata: ByteBuffer(bytes: bytes))
}

func joinRequest(
    _ memberId: String = "", client: String = "c", instance: String? = nil,
    protocols: [MemberProtocol] = [proto("range")], type: String = "consumer", requireKnown: Bool = false,
    session: Int32 = 10_000, rebalance: Int32 = 30_000
) -> JoinRequest {
    JoinRequest(
        memberId: memberId, groupInstanceId: instance, clientId: client, sessionTimeoutMs: session,
        rebalanceTimeoutMs: rebalance, protocolType: type, protocols: protocols, requireKnownMemberId: requireKnown)
}

extension Delayed {
    var value: Result? {
        if case .now(let result) = self { return result }
        return nil
    }
    var isPending: Bool {
        if case .pending = self { return true }
        return false
    }
}

/// Joins a single member and syncs it to Stable; returns its member id.
func stableSingleMember(
    _ group: inout ConsumerGroup, client: String = "c", instance: String? = nil, now: Int64 = 0
) -> String {
    let joined = group.join(joinRequest(client: client, instance: instance), now: now).reply.value!
    _ = group.sync(
        memberId: joined.memberId, groupInstanceId: instance, generationId: joined.generationId, protocolType: nil,
        protocolName: nil, assignments: [joined.memberId: ByteBuffer(bytes: [9])], now: now)
    return joined.memberId
}

/// Syncs every member of the current generation, the leader last, so the group is Stable.
func syncAll(_ group: inout ConsumerGroup, now: Int64 = 0) {
    let generation = group.generationId
    for member in group.orderedMembers where member.memberId != group.leaderId {
        _ = group.sync(
            memberId: member.memberId, groupInstanceId: member.groupInstanceId, generationId: generation,
            protocolType: nil, protocolName: nil, assignments: [:], now: now)
    }
    if let leader = group.leaderId {
        _ = group.sync(
            memberId: leader, groupInstanceId: group.members[leader]?.groupInstanceId, generationId: generation,
            protocolType: nil, protocolName: nil, assignments: [:], now: now)
    }
}
