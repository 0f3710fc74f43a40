import KafkaProtocol
import NIOCore
import Testing

@testable import SluiceCoordinator

@Suite struct GroupSnapshotTests {
    @Test func becomingStableWritesTheMembership() {
        var group = makeGroup()
        let joined = group.join(joinRequest(client: "a", instance: "i"), now: 0).reply.value!
        let sync = group.sync(
            memberId: joined.memberId, groupInstanceId: "i", generationId: 1, protocolType: nil, protocolName: nil,
            assignments: [joined.memberId: ByteBuffer(bytes: [4])], now: 5)
        guard case .groupMetadata(let id, let snapshot)? = sync.completions.records.first else {
            Issue.record("no group metadata record: \(sync.completions.records)")
            return
        }
        #expect(id == "g")
        #expect(snapshot.generation == 1)
        #expect(snapshot.leader == joined.memberId)
        #expect(snapshot.members.map(\.groupInstanceId) == ["i"])
        #expect(snapshot.members.first?.assignment == ByteBuffer(bytes: [4]))
    }

    @Test func emptyingWritesAnEmptyMembership() {
        var group = makeGroup()
        let a = stableSingleMember(&group)
        let left = group.leave(memberId: a, groupInstanceId: nil, now: 1)
        guard case .groupMetadata(_, let snapshot)? = left.completions.records.last else {
            Issue.record("no group metadata record")
            return
        }
        #expect(snapshot.members.isEmpty)
        #expect(snapshot.generation == 2)
    }

    @Test func snapshotRoundTripsAndRestoresAStableGroup() throws {
        var group = makeGroup()
        let a = stableSingleMember(&group, client: "a", instance: "i1")
        let record = group.snapshotRecord(now: 7)
        let (key, value) = record.encoded()
        let decoded = try GroupRecord.decode(key: key, value: value)
        #expect(decoded == record)

        var restored = makeGroup()
        restored.replay(decoded, now: 100)
        #expect(restored.state == .stable)
        #expect(restored.generationId == 1)
        #expect(restored.leaderId == a)
        #expect(restored.staticMembers["i1"] == a)
        #expect(restored.heartbeat(memberId: a, groupInstanceId: "i1", generationId: 1, now: 200) == ErrorCode.none)
        let sync = restored.sync(
            memberId: a, groupInstanceId: "i1", generationId: 1, protocolType: nil, protocolName: "range",
            assignments: [:], now: 200)
        #expect(sync.reply.value?.assignment == ByteBuffer(bytes: [9]))
    }

    @Test func restoredMemberThatNeverHeartbeatsExpires() throws {
        var group = makeGroup()
        _ = stableSingleMember(&group)
        var restored = makeGroup()
        restored.replay(group.snapshotRecord(now: 0), now: 100)
        let completions = restored.tick(now: 100 + 10_001)
        #expect(completions.expired.count == 1)
        #expect(restored.state == .empty)
    }

    @Test func truncatedSnapshotIsRejected() {
        var group = makeGroup()
        _ = stableSingleMember(&group)
        let (key, value) = group.snapshotRecord(now: 0).encoded()
        let truncated = value!.getSlice(at: 0, length: value!.readableBytes - 3)
        #expect(throws: GroupRecord.DecodingError.self) { try GroupRecord.decode(key: key, value: truncated) }
    }
}
