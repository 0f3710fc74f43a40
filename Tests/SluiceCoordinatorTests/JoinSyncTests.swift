import KafkaProtocol
import NIOCore
import Testing

@testable import SluiceCoordinator

@Suite struct JoinSyncTests {
    @Test func firstMemberJoinsAtOnceAndBecomesLeader() {
        var group = makeGroup()
        let result = group.join(joinRequest(client: "a"), now: 0).reply.value
        #expect(result?.error == ErrorCode.none)
        #expect(result?.memberId == "a-1")
        #expect(result?.leader == "a-1")
        #expect(result?.generationId == 1)
        #expect(result?.protocolName == "range")
        #expect(result?.members.map(\.memberId) == ["a-1"])
        #expect(group.state == .completingRebalance)
    }

    @Test func memberIdRequiredRoundTripFromV4() {
        var group = makeGroup()
        let first = group.join(joinRequest(client: "a", requireKnown: true), now: 0).reply.value
        #expect(first?.error == .memberIdRequired)
        #expect(first?.memberId == "a-1")
        #expect(group.members.isEmpty)
        let second = group.join(joinRequest("a-1", client: "a", requireKnown: true), now: 1).reply.value
        #expect(second?.error == ErrorCode.none)
        #expect(second?.memberId == "a-1")
    }

    @Test func belowV4NeverAsksForMemberId() {
        var group = makeGroup()
        #expect(group.join(joinRequest(client: "a", requireKnown: false), now: 0).reply.value?.error == ErrorCode.none)
    }

    @Test func emptyProtocolTypeOrNoProtocolsIsInconsistent() {
        var group = makeGroup()
        #expect(group.join(joinRequest(type: ""), now: 0).reply.value?.error == .inconsistentGroupProtocol)
        #expect(group.join(joinRequest(protocols: []), now: 0).reply.value?.error == .inconsistentGroupProtocol)
    }

    @Test func noCommonProtocolOrOtherTypeIsInconsistent() {
        var group = makeGroup()
        _ = group.join(joinRequest(client: "a", protocols: [proto("range")]), now: 0)
        let other = group.join(joinRequest(client: "b", protocols: [proto("roundrobin")]), now: 0)
        #expect(other.reply.value?.error == .inconsistentGroupProtocol)
        let connect = group.join(joinRequest(client: "b", type: "connect"), now: 0)
        #expect(connect.reply.value?.error == .inconsistentGroupProtocol)
    }

    @Test func secondMemberParksUntilEveryoneRejoins() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        let b = group.join(joinRequest(client: "b"), now: 10)
        #expect(b.reply.isPending)
        #expect(group.state == .preparingRebalance)
        #expect(group.heartbeat(memberId: a, groupInstanceId: nil, generationId: 1, now: 11) == .rebalanceInProgress)
        let rejoin = group.join(joinRequest(a, client: "a"), now: 12)
        #expect(rejoin.reply.value?.generationId == 2)
        #expect(rejoin.reply.value?.members.count == 2)
        #expect(rejoin.completions.joins["b-2"]?.generationId == 2)
        #expect(rejoin.completions.joins["b-2"]?.members.isEmpty == true)
        #expect(group.state == .completingRebalance)
    }

    @Test func followersSyncWaitsForLeaderAssignment() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b"), now: 0)
        _ = group.join(joinRequest(a, client: "a"), now: 0)
        let follower = group.sync(
            memberId: "b-2", groupInstanceId: nil, generationId: 2, protocolType: "consumer", protocolName: "range",
            assignments: [:], now: 1)
        #expect(follower.reply.isPending)
        let leader = group.sync(
            memberId: a, groupInstanceId: nil, generationId: 2, protocolType: nil, protocolName: nil,
            assignments: [a: ByteBuffer(bytes: [1]), "b-2": ByteBuffer(bytes: [2])], now: 2)
        #expect(leader.reply.value?.assignment == ByteBuffer(bytes: [1]))
        #expect(leader.completions.syncs["b-2"]?.assignment == ByteBuffer(bytes: [2]))
        #expect(group.state == .stable)
        let late = group.sync(
            memberId: "b-2", groupInstanceId: nil, generationId: 2, protocolType: nil, protocolName: nil,
            assignments: [:], now: 3)
        #expect(late.reply.value?.assignment == ByteBuffer(bytes: [2]))
    }

    @Test func syncFencing() {
        var group = makeGroup()
        let a = stableSingleMember(&group)
        let unknown = group.sync(
            memberId: "x", groupInstanceId: nil, generationId: 1, protocolType: nil, protocolName: nil,
            assignments: [:], now: 0)
        #expect(unknown.reply.value?.error == .unknownMemberId)
        let stale = group.sync(
            memberId: a, groupInstanceId: nil, generationId: 0, protocolType: nil, protocolName: nil,
            assignments: [:], now: 0)
        #expect(stale.reply.value?.error == .illegalGeneration)
        let wrongName = group.sync(
            memberId: a, groupInstanceId: nil, generationId: 1, protocolType: nil, protocolName: "other",
            assignments: [:], now: 0)
        #expect(wrongName.reply.value?.error == .inconsistentGroupProtocol)
    }

    @Test func syncDuringRebalanceIsRejected() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b"), now: 0)
        let sync = group.sync(
            memberId: a, groupInstanceId: nil, generationId: 1, protocolType: nil, protocolName: nil,
            assignments: [:], now: 0)
        #expect(sync.reply.value?.error == .rebalanceInProgress)
    }

    @Test func parkedSyncsAreReleasedWhenARebalanceStarts() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b"), now: 0)
        _ = group.join(joinRequest(a, client: "a"), now: 0)
        _ = group.sync(
            memberId: "b-2", groupInstanceId: nil, generationId: 2, protocolType: nil, protocolName: nil,
            assignments: [:], now: 0)
        let newcomer = group.join(joinRequest(client: "c"), now: 1)
        #expect(newcomer.completions.syncs["b-2"]?.error == .rebalanceInProgress)
        #expect(group.state == .preparingRebalance)
    }

    @Test func protocolChosenByVoteAmongCommonProtocols() {
        var group = makeGroup()
        _ = group.join(joinRequest(client: "a", protocols: [proto("x"), proto("y")]), now: 0)
        _ = group.join(joinRequest(client: "b", protocols: [proto("y"), proto("x")]), now: 0)
        let c = group.join(joinRequest(client: "c", protocols: [proto("y"), proto("x")]), now: 0)
        _ = group.join(joinRequest("a-1", client: "a", protocols: [proto("x"), proto("y")]), now: 0)
        let done = group.join(joinRequest("b-2", client: "b", protocols: [proto("y"), proto("x")]), now: 0)
        #expect(c.reply.isPending)
        #expect(done.reply.value?.protocolName == "y")
        #expect(group.protocolName == "y")
    }

    @Test func unchangedFollowerRejoinInStableGetsCurrentGeneration() {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a")
        _ = group.join(joinRequest(client: "b"), now: 0)
        _ = group.join(joinRequest(a, client: "a"), now: 0)
        syncAll(&group)
        let again = group.join(joinRequest("b-2", client: "b"), now: 1)
        #expect(again.reply.value?.generationId == 2)
        #expect(group.state == .stable)
    }

    @Test func unknownMemberJoinIsRejected() {
        var group = makeGroup()
        #expect(group.join(joinRequest("ghost"), now: 0).reply.value?.error == .unknownMemberId)
    }
}

@Suite struct PendingMemberTests {
    @Test func unusedMemberIdLapsesAfterTheSessionTimeout() {
        var group = makeGroup()
        let first = group.join(joinRequest(client: "a", requireKnown: true, session: 6000), now: 0).reply.value
        #expect(group.isUnused == false)
        _ = group.tick(now: 6001)
        #expect(group.isUnused)
        let late = group.join(joinRequest(first!.memberId, client: "a", requireKnown: true), now: 6002)
        #expect(late.reply.value?.error == .unknownMemberId)
    }
}
