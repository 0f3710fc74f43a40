import KafkaProtocol
import Testing

@testable import SluiceCoordinator

/// Helpers: a group with predictable member ids and a topic "t" of six partitions.
private let sixPartitions: [String: Int32] = ["t": 6]

private func join(_ group: inout ConsumerProtocolGroup, _ id: String, now: Int64 = 0, assignor: String? = nil)
    -> ConsumerHeartbeatResult
{
    group.heartbeat(
        ConsumerHeartbeat(
            memberId: id, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ["t"],
            serverAssignor: assignor, ownedPartitions: []),
        topics: sixPartitions, now: now)
}

private func beat(
    _ group: inout ConsumerProtocolGroup, _ id: String, epoch: Int32, owned: Set<TopicPartition>?, now: Int64 = 0
) -> ConsumerHeartbeatResult {
    group.heartbeat(
        ConsumerHeartbeat(memberId: id, memberEpoch: epoch, ownedPartitions: owned), topics: sixPartitions, now: now)
}

private func partitions(_ indexes: [Int32]) -> Set<TopicPartition> { Set(indexes.map { TopicPartition("t", $0) }) }

/// Heartbeats every member until nothing changes, each member acknowledging what it was given.
private func settle(_ group: inout ConsumerProtocolGroup, owned: inout [String: Set<TopicPartition>], now: Int64 = 0) {
    for _ in 0..<10 {
        for id in owned.keys.sorted() {
            guard let member = group.members[id] else { continue }
            let result = beat(&group, id, epoch: member.memberEpoch, owned: owned[id], now: now)
            if let assignment = result.assignment { owned[id] = assignment }
        }
    }
}

/// No partition is owned by two members (assigned or still being revoked).
private func assertExclusive(_ group: ConsumerProtocolGroup) {
    var seen = Set<TopicPartition>()
    for member in group.members.values {
        #expect(seen.isDisjoint(with: member.owned), "partition owned twice: \(member.owned.intersection(seen))")
        seen.formUnion(member.owned)
    }
}

@Suite struct ConsumerProtocolTests {
    @Test func firstMemberGetsEveryPartitionAtTheGroupEpoch() {
        var group = ConsumerProtocolGroup(groupId: "g")
        let result = join(&group, "a")
        #expect(result.error == .none)
        #expect(result.memberEpoch == 1)
        #expect(result.assignment == partitions([0, 1, 2, 3, 4, 5]))
        #expect(group.stateName == "Stable")
    }

    @Test func emptyMemberIdIsAssignedByTheServer() {
        var group = ConsumerProtocolGroup(groupId: "g", memberIdFactory: { "server-made" })
        let result = join(&group, "")
        #expect(result.memberId == "server-made")
        #expect(group.members["server-made"] != nil)
    }

    @Test func newMemberWaitsUntilTheOldOwnerReleases() {
        var group = ConsumerProtocolGroup(groupId: "g")
        let a = join(&group, "a")
        let b = join(&group, "b")
        // b is at the new epoch but every partition is still a's.
        #expect(b.memberEpoch == 2)
        #expect(b.assignment == [])
        #expect(group.members["b"]?.state == .unreleasedPartitions)
        // a learns it must give up three partitions; its epoch stays until it has.
        let revoke = beat(&group, "a", epoch: a.memberEpoch, owned: a.assignment)
        #expect(revoke.memberEpoch == 1)
        let kept = revoke.assignment ?? []
        #expect(kept.count == 3)
        assertExclusive(group)
        // b still gets nothing while a's heartbeat lists the revoked partitions.
        #expect(beat(&group, "b", epoch: 2, owned: []).assignment == nil)
        // a acknowledges: it moves to epoch 2 and b can take the rest.
        let acked = beat(&group, "a", epoch: 1, owned: kept)
        #expect(acked.memberEpoch == 2)
        let taken = beat(&group, "b", epoch: 2, owned: [])
        #expect(taken.assignment == partitions([0, 1, 2, 3, 4, 5]).subtracting(kept))
        #expect(group.stateName == "Stable")
        assertExclusive(group)
    }

    @Test func threeMembersOwnTwoPartitionsEachAndLeavingHandsOverOnlyTheFreedOnes() {
        var group = ConsumerProtocolGroup(groupId: "g")
        var owned: [String: Set<TopicPartition>] = [:]
        for id in ["a", "b", "c"] { owned[id] = join(&group, id).assignment ?? [] }
        settle(&group, owned: &owned)
        #expect(owned.values.map(\.count).sorted() == [2, 2, 2])
        #expect(owned.values.reduce(Set()) { $0.union($1) } == partitions([0, 1, 2, 3, 4, 5]))
        let before = owned
        #expect(beat(&group, "b", epoch: -1, owned: nil).memberEpoch == -1)
        owned["b"] = nil
        settle(&group, owned: &owned)
        // a and c keep what they had (nothing revoked) and split b's two partitions.
        #expect(owned["a"]?.isSuperset(of: before["a"] ?? []) == true)
        #expect(owned["c"]?.isSuperset(of: before["c"] ?? []) == true)
        #expect(owned.values.map(\.count).sorted() == [3, 3])
        #expect(group.members.values.allSatisfy { $0.memberEpoch == group.groupEpoch })
    }

    @Test func staleOrUnknownEpochsAreFenced() {
        var group = ConsumerProtocolGroup(groupId: "g")
        _ = join(&group, "a")
        #expect(beat(&group, "a", epoch: 7, owned: nil).error == .fencedMemberEpoch)
        #expect(beat(&group, "nobody", epoch: 1, owned: nil).error == .unknownMemberId)
        #expect(beat(&group, "nobody", epoch: -1, owned: nil).error == .unknownMemberId)
    }

    @Test func previousEpochIsAcceptedWhenItOwnsNoMoreThanAssigned() {
        var group = ConsumerProtocolGroup(groupId: "g")
        let a = join(&group, "a")
        _ = join(&group, "b")
        let revoke = beat(&group, "a", epoch: 1, owned: a.assignment)
        let moved = beat(&group, "a", epoch: 1, owned: revoke.assignment)
        #expect(moved.memberEpoch == 2)
        // The answer was lost: a heartbeats again with epoch 1 and what it owns.
        #expect(beat(&group, "a", epoch: 1, owned: revoke.assignment).error == .none)
        #expect(beat(&group, "a", epoch: 1, owned: partitions([0, 1, 2, 3, 4, 5])).error == .fencedMemberEpoch)
    }

    @Test func sessionTimeoutRemovesTheMemberAndFreesItsPartitions() {
        var group = ConsumerProtocolGroup(groupId: "g", sessionTimeoutMs: 1000)
        var owned: [String: Set<TopicPartition>] = [:]
        for id in ["a", "b"] { owned[id] = join(&group, id).assignment ?? [] }
        settle(&group, owned: &owned, now: 500)
        #expect(group.tick(now: 1200) == [])
        _ = beat(&group, "a", epoch: group.members["a"]!.memberEpoch, owned: owned["a"], now: 1400)
        #expect(group.tick(now: 1600) == ["b"])
        owned["b"] = nil
        settle(&group, owned: &owned, now: 1700)
        #expect(owned["a"] == partitions([0, 1, 2, 3, 4, 5]))
    }

    @Test func memberThatNeverRevokesIsRemovedAfterItsRebalanceTimeout() {
        var group = ConsumerProtocolGroup(groupId: "g", sessionTimeoutMs: 100_000)
        let a = join(&group, "a", now: 0)
        _ = join(&group, "b", now: 0)
        _ = beat(&group, "a", epoch: 1, owned: a.assignment, now: 10)
        #expect(group.members["a"]?.state == .unrevokedPartitions)
        _ = beat(&group, "a", epoch: 1, owned: a.assignment, now: 20_000)
        #expect(group.tick(now: 20_000) == [])
        #expect(group.tick(now: 30_011) == ["a"])
    }

    @Test func staticMemberLeavesTemporarilyAndComesBackWithItsPartitions() {
        var group = ConsumerProtocolGroup(groupId: "g")
        let first = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "s1", memberEpoch: 0, instanceId: "inst", rebalanceTimeoutMs: 1000,
                subscribedTopicNames: ["t"],
                ownedPartitions: []),
            topics: sixPartitions, now: 0)
        let away = group.heartbeat(
            ConsumerHeartbeat(memberId: "s1", memberEpoch: -2, instanceId: "inst"), topics: sixPartitions, now: 1)
        #expect(away.memberEpoch == -2)
        // Another member joins meanwhile; the instance keeps its place.
        _ = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "x", memberEpoch: 0, instanceId: "other", rebalanceTimeoutMs: 1000,
                subscribedTopicNames: ["t"], ownedPartitions: []),
            topics: sixPartitions, now: 2)
        let back = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "s2", memberEpoch: 0, instanceId: "inst", rebalanceTimeoutMs: 1000,
                subscribedTopicNames: ["t"], ownedPartitions: []),
            topics: sixPartitions, now: 3)
        #expect(back.error == .none)
        #expect(back.memberId == "s2")
        #expect(group.members["s1"] == nil)
        #expect(back.assignment?.isSubset(of: first.assignment ?? []) == true)
        let clash = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "s3", memberEpoch: 0, instanceId: "inst", rebalanceTimeoutMs: 1000,
                subscribedTopicNames: ["t"], ownedPartitions: []),
            topics: sixPartitions, now: 4)
        #expect(clash.error == .unreleasedInstanceId)
    }

    @Test func unknownAssignorIsRefusedAndRangeCanBeChosen() {
        var group = ConsumerProtocolGroup(groupId: "g")
        #expect(join(&group, "a", assignor: "sticky-ish").error == .unsupportedAssignor)
        _ = join(&group, "a", assignor: "range")
        _ = join(&group, "b", assignor: "range")
        #expect(group.assignorName == "range")
        #expect(group.target["a"] == partitions([0, 1, 2]))
        #expect(group.target["b"] == partitions([3, 4, 5]))
    }

    @Test func commitsNeedTheCurrentMemberEpoch() {
        var group = ConsumerProtocolGroup(groupId: "g")
        #expect(group.validateCommit(memberId: "", memberEpoch: -1) == nil)
        let a = join(&group, "a")
        #expect(group.validateCommit(memberId: "a", memberEpoch: a.memberEpoch) == nil)
        #expect(group.validateCommit(memberId: "a", memberEpoch: a.memberEpoch + 1) == .staleMemberEpoch)
        #expect(group.validateCommit(memberId: "zz", memberEpoch: 1) == .unknownMemberId)
        #expect(group.validateCommit(memberId: "", memberEpoch: -1) == .unknownMemberId)
    }

    @Test func newTopicPartitionsBumpTheEpochAndGetAssigned() {
        var group = ConsumerProtocolGroup(groupId: "g")
        let a = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "a", memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ["later"],
                ownedPartitions: []),
            topics: [:], now: 0)
        #expect(a.assignment == [])
        let grown = group.heartbeat(
            ConsumerHeartbeat(memberId: "a", memberEpoch: a.memberEpoch, ownedPartitions: []), topics: ["later": 2],
            now: 1)
        #expect(grown.memberEpoch > a.memberEpoch)
        #expect(grown.assignment == Set([TopicPartition("later", 0), TopicPartition("later", 1)]))
    }

    @Test func regexSubscriptionMatchesWholeTopicNames() {
        var group = ConsumerProtocolGroup(groupId: "g")
        let a = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "a", memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicRegex: "orders-.*",
                ownedPartitions: []),
            topics: ["orders-eu": 1, "orders-us": 1, "xorders-eu": 1, "__consumer_offsets": 1], now: 0)
        #expect(a.assignment == Set([TopicPartition("orders-eu", 0), TopicPartition("orders-us", 0)]))
        let bad = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "b", memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicRegex: "(", ownedPartitions: []),
            topics: [:], now: 0)
        #expect(bad.error == .invalidRegularExpression)
    }

    @Test func rejoiningWithEpochZeroReleasesWhatTheMemberHadAndGivesItBack() {
        var group = ConsumerProtocolGroup(groupId: "g")
        _ = join(&group, "a")
        let epoch = group.groupEpoch
        let rejoined = join(&group, "a")
        // Same member, same subscription: no new epoch, and it gets its whole target again.
        #expect(group.groupEpoch == epoch)
        #expect(rejoined.memberEpoch == epoch)
        #expect(rejoined.assignment == partitions([0, 1, 2, 3, 4, 5]))
    }

    @Test func unreleasedPartitionsGoToTheNewOwnerWhenTheOldOneLeaves() {
        var group = ConsumerProtocolGroup(groupId: "g")
        _ = join(&group, "a")
        _ = join(&group, "b")
        #expect(group.members["b"]?.state == .unreleasedPartitions)
        // a leaves without ever revoking: its partitions are free at once.
        _ = beat(&group, "a", epoch: -1, owned: nil)
        let b = group.members["b"]!
        let result = beat(&group, "b", epoch: b.memberEpoch, owned: [])
        #expect(result.assignment == partitions([0, 1, 2, 3, 4, 5]))
        #expect(group.members["b"]?.state == .stable)
        #expect(group.stateName == "Stable")
    }

    @Test func membersWithDifferentSubscriptionsOnlyGetTheirTopics() {
        var group = ConsumerProtocolGroup(groupId: "g")
        let topics: [String: Int32] = ["t": 2, "u": 2]
        let a = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "a", memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ["t"],
                ownedPartitions: []),
            topics: topics, now: 0)
        let b = group.heartbeat(
            ConsumerHeartbeat(
                memberId: "b", memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ["u"],
                ownedPartitions: []),
            topics: topics, now: 0)
        #expect(a.assignment == Set([TopicPartition("t", 0), TopicPartition("t", 1)]))
        #expect(b.assignment == Set([TopicPartition("u", 0), TopicPartition("u", 1)]))
        // a is a step behind until its next heartbeat moves it to the new epoch, unchanged.
        #expect(group.stateName == "Reconciling")
        let again = group.heartbeat(
            ConsumerHeartbeat(memberId: "a", memberEpoch: a.memberEpoch, ownedPartitions: a.assignment), topics: topics,
            now: 1)
        #expect(again.memberEpoch == b.memberEpoch)
        #expect(again.assignment == nil)
        #expect(group.stateName == "Stable")
    }
}
