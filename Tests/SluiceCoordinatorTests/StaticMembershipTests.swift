import KafkaProtocol
import NIOCore
import Testing

@testable import SluiceCoordinator

@Suite struct StaticMembershipTests {
    @Test func staticMemberRejoiningUnchangedKeepsGenerationAndAssignment() {
        var group = makeGroup()
        let old = stableSingleMember(&group, client: "s", instance: "i1")
        let rejoin = group.join(joinRequest(client: "s", instance: "i1"), now: 5)
        let result = rejoin.reply.value
        #expect(result?.error == ErrorCode.none)
        #expect(result?.generationId == 1)
        #expect(result?.memberId != old)
        #expect(result?.skipAssignment == true)
        #expect(group.state == .stable)
        #expect(group.staticMembers["i1"] == result?.memberId)
        let sync = group.sync(
            memberId: result!.memberId, groupInstanceId: "i1", generationId: 1, protocolType: nil, protocolName: nil,
            assignments: [:], now: 6)
        #expect(sync.reply.value?.assignment == ByteBuffer(bytes: [9]))
    }

    @Test func oldIncarnationIsFenced() {
        var group = makeGroup()
        let old = stableSingleMember(&group, client: "s", instance: "i1")
        _ = group.join(joinRequest(client: "s", instance: "i1"), now: 5)
        #expect(group.heartbeat(memberId: old, groupInstanceId: "i1", generationId: 1, now: 6) == .fencedInstanceId)
        #expect(group.join(joinRequest(old, instance: "i1"), now: 6).reply.value?.error == .fencedInstanceId)
        #expect(group.leave(memberId: old, groupInstanceId: "i1", now: 6).error == .fencedInstanceId)
    }

    @Test func changedProtocolsRebalance() {
        var group = makeGroup()
        _ = stableSingleMember(&group, client: "s", instance: "i1")
        let rejoin = group.join(joinRequest(client: "s", instance: "i1", protocols: [proto("range", [7])]), now: 5)
        #expect(rejoin.reply.value?.generationId == 2)
    }

    @Test func staticMemberLeavesByInstanceId() {
        var group = makeGroup()
        _ = stableSingleMember(&group, client: "s", instance: "i1")
        #expect(group.leave(memberId: "", groupInstanceId: "i1", now: 1).error == ErrorCode.none)
        #expect(group.state == .empty)
        #expect(group.staticMembers.isEmpty)
    }

    @Test func staticMemberJoinsWithoutMemberIdRequired() {
        var group = makeGroup()
        let result = group.join(joinRequest(client: "s", instance: "i1", requireKnown: true), now: 0).reply.value
        #expect(result?.error == ErrorCode.none)
    }
}
