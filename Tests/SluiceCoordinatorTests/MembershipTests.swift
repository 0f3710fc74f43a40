import KafkaProtocol
import NIOCore
import Testing

@testable import SluiceCoordinator

@Suite struct MembershipTests {
    @Test func heartbeatChecksMemberAndGeneration() {
        var group = makeGroup()
        let a = stableSingleMember(&group)
        #expect(group.heartbeat(memberId: a, groupInstanceId: nil, generationId: 1, now: 1) == ErrorCode.none)
        #expect(group.heartbeat(memberId: "ghost", groupInstanceId: nil, generationId: 1, now: 1) == .unknownMemberId)
        #expect(group.heartbeat(memberId: a, groupInstanceId: nil, generationId: 7, now: 1) == .illegalGeneration)
    }

    @Test func sessionExpiryRemovesMemberAndRebalancesTheRest() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b", session: 6000), now: 0)
        _ = group.join(joinRequest(a, client: "a", session: 6000), now: 0)
        syncAll(&group)
        #expect(group.state == .stable)
        _ = group.heartbeat(memberId: a, groupInstanceId: nil, generationId: 2, now: 5000)
        let completions = group.tick(now: 6500)
        #expect(completions.expired == ["b-2"])
        #expect(group.members.keys.sorted() == [a])
        #expect(group.state == .preparingRebalance)
        let rejoin = group.join(joinRequest(a, client: "a"), now: 6600)
        #expect(rejoin.reply.value?.generationId == 3)
    }

    @Test func lastMemberExpiringLeavesGroupEmpty() {
        var group = makeGroup()
        _ = stableSingleMember(&group)
        let completions = group.tick(now: 20_000)
        #expect(completions.expired.count == 1)
        #expect(group.state == .empty)
        #expect(group.members.isEmpty)
    }

    @Test func rebalanceTimeoutDropsMembersThatDidNotRejoin() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        let b = group.join(joinRequest(client: "b", rebalance: 1000), now: 0)
        #expect(b.reply.isPending)
        _ = group.heartbeat(memberId: a, groupInstanceId: nil, generationId: 1, now: 900)
        let completions = group.tick(now: 30_001)
        #expect(completions.expired == [a])
        #expect(completions.joins["b-2"]?.generationId == 2)
        #expect(completions.joins["b-2"]?.leader == "b-2")
        #expect(group.state == .completingRebalance)
    }

    @Test func leaveCompletesTheRebalanceWithoutWaitingForATimeout() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b"), now: 0)
        _ = group.join(joinRequest(a, client: "a"), now: 0)
        syncAll(&group)
        let left = group.leave(memberId: "b-2", groupInstanceId: nil, now: 1)
        #expect(left.error == ErrorCode.none)
        #expect(group.state == .preparingRebalance)
        let rejoin = group.join(joinRequest(a, client: "a"), now: 2)
        #expect(rejoin.reply.value?.generationId == 3)
        #expect(rejoin.reply.value?.members.map(\.memberId) == [a])
    }

    @Test func leaveWhileOthersAreParkedCompletesTheirJoins() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        let b = group.join(joinRequest(client: "b"), now: 0)
        #expect(b.reply.isPending)
        let left = group.leave(memberId: a, groupInstanceId: nil, now: 1)
        #expect(left.completions.joins["b-2"]?.leader == "b-2")
        #expect(left.completions.joins["b-2"]?.generationId == 2)
    }

    @Test func lastLeaveEmptiesTheGroup() {
        var group = makeGroup()
        let a = stableSingleMember(&group)
        #expect(group.leave(memberId: a, groupInstanceId: nil, now: 1).error == ErrorCode.none)
        #expect(group.state == .empty)
        #expect(group.generationId == 2)
        #expect(group.leave(memberId: a, groupInstanceId: nil, now: 1).error == .unknownMemberId)
    }

    @Test func parkedJoinOfALeavingMemberIsAnswered() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b"), now: 0)
        let left = group.leave(memberId: "b-2", groupInstanceId: nil, now: 1)
        #expect(left.completions.joins["b-2"]?.error == .unknownMemberId)
        #expect(left.completions.joins[a] == nil)
    }
}

@Suite struct SyncTimeoutTests {
    @Test func leaderThatNeverSyncsIsDroppedAfterTheRebalanceTimeout() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b", rebalance: 5000), now: 0)
        _ = group.join(joinRequest(a, client: "a", rebalance: 5000), now: 0)
        #expect(group.state == .completingRebalance)
        let follower = group.sync(
            memberId: "b-2", groupInstanceId: nil, generationId: 2, protocolType: nil, protocolName: nil,
            assignments: [:], now: 1)
        #expect(follower.reply.isPending)
        // Both keep heartbeating, but the leader never sends its SyncGroup.
        _ = group.heartbeat(memberId: a, groupInstanceId: nil, generationId: 2, now: 4000)
        _ = group.heartbeat(memberId: "b-2", groupInstanceId: nil, generationId: 2, now: 4000)
        #expect(group.tick(now: 4999).isEmpty)
        let completions = group.tick(now: 5000)
        #expect(completions.expired == [a])
        #expect(completions.syncs["b-2"]?.error == .rebalanceInProgress)
        #expect(group.members.keys.sorted() == ["b-2"])
        #expect(group.state == .preparingRebalance)
    }
}

@Suite struct ParkedMemberSessionTests {
    @Test func aFollowerWaitingInSyncGroupOutlivesItsSessionUntilTheLeaderAssigns() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b", session: 3000, rebalance: 30_000), now: 0)
        _ = group.join(joinRequest(a, client: "a", session: 30_000, rebalance: 30_000), now: 0)
        #expect(group.state == .completingRebalance)
        let follower = group.sync(
            memberId: "b-2", groupInstanceId: nil, generationId: 2, protocolType: nil, protocolName: nil,
            assignments: [:], now: 1)
        #expect(follower.reply.isPending)
        // A slow leader: the follower's session (3 s) runs out while its SyncGroup is parked.
        #expect(group.tick(now: 5000).expired.isEmpty)
        let leader = group.sync(
            memberId: a, groupInstanceId: nil, generationId: 2, protocolType: nil, protocolName: nil,
            assignments: [a: ByteBuffer(bytes: [1]), "b-2": ByteBuffer(bytes: [2])], now: 6000)
        #expect(leader.reply.value?.error == ErrorCode.none)
        #expect(leader.completions.syncs["b-2"]?.error == ErrorCode.none)
        #expect(group.state == .stable)
        // Its session starts again from the answer: alive until 9 s, gone after.
        #expect(group.tick(now: 8999).expired.isEmpty)
        #expect(group.tick(now: 9001).expired == ["b-2"])
    }
}
