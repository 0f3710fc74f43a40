import KafkaProtocol
import NIOCore
import Testing

@testable import SluiceCoordinator

@Suite struct OffsetTests {
    let tp = TopicPartition("t", 0)

    @Test func simpleCommitWorksOnlyWhileTheGroupHasNoMembers() {
        var group = makeGroup()
        #expect(group.validateCommit(memberId: "", groupInstanceId: nil, generationId: -1) == nil)
        _ = stableSingleMember(&group)
        #expect(group.validateCommit(memberId: "", groupInstanceId: nil, generationId: -1) == .unknownMemberId)
    }

    @Test func memberCommitChecksGeneration() {
        var group = makeGroup()
        let a = stableSingleMember(&group)
        #expect(group.validateCommit(memberId: a, groupInstanceId: nil, generationId: 1) == nil)
        #expect(group.validateCommit(memberId: a, groupInstanceId: nil, generationId: 0) == .illegalGeneration)
        #expect(group.validateCommit(memberId: "x", groupInstanceId: nil, generationId: 1) == .unknownMemberId)
    }

    @Test func commitDuringCompletingRebalanceIsRejected() {
        var group = makeGroup()
        let joined = group.join(joinRequest(), now: 0).reply.value!
        #expect(
            group.validateCommit(memberId: joined.memberId, groupInstanceId: nil, generationId: 1)
                == .rebalanceInProgress)
    }

    @Test func commitStoresAndReturnsRecords() {
        var group = makeGroup()
        let committed = CommittedOffset(offset: 5, metadata: "m", commitTimestamp: 100)
        let records = group.commit([tp: committed], memberId: "", now: 100)
        #expect(records == [.offset(group: "g", partition: tp, committed)])
        #expect(group.fetchOffsets([tp, TopicPartition("t", 1)]).map(\.1) == [committed, nil])
        #expect(group.fetchOffsets(nil).map(\.0) == [tp])
    }

    @Test func deleteOnlyWhenEmpty() {
        var group = makeGroup()
        let a = stableSingleMember(&group)
        #expect(group.delete().error == .nonEmptyGroup)
        _ = group.leave(memberId: a, groupInstanceId: nil, now: 1)
        _ = group.commit([tp: CommittedOffset(offset: 1, commitTimestamp: 1)], memberId: "", now: 1)
        let (error, records) = group.delete()
        #expect(error == ErrorCode.none)
        #expect(records == [.offsetTombstone(group: "g", partition: tp), .groupTombstone(group: "g")])
        #expect(group.state == .dead)
    }

    @Test func offsetDeleteRefusesSubscribedTopics() {
        var group = makeGroup()
        var subscription = ByteBuffer()
        subscription.writeInteger(Int16(0))
        subscription.writeInteger(Int32(1))
        subscription.writeInteger(Int16(1))
        subscription.writeString("t")
        _ = group.join(joinRequest(protocols: [MemberProtocol(name: "range", metadata: subscription)]), now: 0)
        syncAll(&group)
        _ = group.commit(
            [
                tp: CommittedOffset(offset: 1, commitTimestamp: 1),
                TopicPartition("u", 0): .init(offset: 2, commitTimestamp: 1),
            ],
            memberId: "", now: 1)
        let (errors, records) = group.deleteOffsets([tp, TopicPartition("u", 0)])
        #expect(errors[tp] == .groupSubscribedToTopic)
        #expect(errors[TopicPartition("u", 0)] == ErrorCode.none)
        #expect(records == [.offsetTombstone(group: "g", partition: TopicPartition("u", 0))])
    }

    @Test func retentionExpiresOldOffsetsOfEmptyGroups() {
        var group = makeGroup()
        _ = group.commit([tp: CommittedOffset(offset: 1, commitTimestamp: 0)], memberId: "", now: 0)
        #expect(group.expireOffsets(now: 1000, retentionMs: 5000).isEmpty)
        #expect(group.expireOffsets(now: 6000, retentionMs: 5000) == [.offsetTombstone(group: "g", partition: tp)])
        #expect(group.offsets.isEmpty)
    }

    @Test func recordsRoundTripInKafkaLayout() throws {
        let records: [GroupRecord] = [
            .offset(
                group: "g", partition: tp, CommittedOffset(offset: 7, leaderEpoch: 3, metadata: "x", commitTimestamp: 9)
            ),
            .offsetTombstone(group: "g", partition: tp),
            .groupTombstone(group: "g"),
        ]
        for record in records {
            let (key, value) = record.encoded()
            #expect(try GroupRecord.decode(key: key, value: value) == record)
        }
        let (key, value) = records[0].encoded()
        #expect(key.getInteger(at: 0, as: Int16.self) == 1)
        #expect(value?.getInteger(at: 0, as: Int16.self) == 3)
    }

    /// Offset values in the byte layouts Kafka writes and readers such as Burrow parse: v3 normally,
    /// v1 (with the expire timestamp) when the commit asked for a retention time.
    @Test func offsetValuesUseKafkasVersionsByteForByte() throws {
        let v3 = GroupRecord.offset(
            group: "g", partition: tp, CommittedOffset(offset: 7, leaderEpoch: 3, metadata: "x", commitTimestamp: 9))
        #expect(
            v3.encoded().value
                == ByteBuffer(bytes: [0, 3, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 3, 0, 1, 0x78, 0, 0, 0, 0, 0, 0, 0, 9]))
        let v1 = GroupRecord.offset(
            group: "g", partition: tp,
            CommittedOffset(offset: 7, metadata: "x", commitTimestamp: 9, expireTimestamp: 1009))
        #expect(
            v1.encoded().value
                == ByteBuffer(bytes: [
                    0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 1, 0x78, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0x03, 0xF1,
                ]))
        let (key, value) = v1.encoded()
        #expect(try GroupRecord.decode(key: key, value: value) == v1)
        // A v0 value (offset, metadata, commit timestamp), as old Kafka versions wrote it, still reads.
        let v0 = ByteBuffer(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(
            try GroupRecord.decode(key: key, value: v0)
                == .offset(group: "g", partition: tp, CommittedOffset(offset: 5, commitTimestamp: 1)))
    }

    @Test func garbageRecordsThrow() {
        #expect(throws: GroupRecord.DecodingError.self) {
            try GroupRecord.decode(key: ByteBuffer(bytes: [0, 9]), value: nil)
        }
        #expect(throws: GroupRecord.DecodingError.self) { try GroupRecord.decode(key: nil, value: nil) }
        var key = ByteBuffer()
        key.writeInteger(Int16(1))
        #expect(throws: GroupRecord.DecodingError.self) { try GroupRecord.decode(key: key, value: nil) }
    }

    @Test func partitionMatchesJavaHashCode() {
        // "group" has Java hashCode 98629247; "" hashes to 0.
        #expect(offsetsPartition(for: "group", partitionCount: 50) == 98_629_247 % 50)
        #expect(offsetsPartition(for: "", partitionCount: 50) == 0)
        // A negative hash is made positive, as Kafka's Utils.abs does.
        #expect((0..<50).contains(offsetsPartition(for: "console-consumer-12345", partitionCount: 50)))
    }
}

@Suite struct ForgettableGroupTests {
    @Test func onlyAnEmptyGroupWithNothingToRememberIsForgettable() {
        var group = makeGroup()
        #expect(group.isForgettable)
        _ = group.join(joinRequest(client: "a", requireKnown: true), now: 0)
        #expect(!group.isForgettable)  // a member id is about to be used
        _ = group.tick(now: 60_000)
        #expect(group.isForgettable)
        let a = stableSingleMember(&group)
        #expect(!group.isForgettable)
        _ = group.leave(memberId: a, groupInstanceId: nil, now: 1)
        _ = group.commit([TopicPartition("t", 0): CommittedOffset(offset: 1, commitTimestamp: 1)], memberId: "", now: 1)
        #expect(!group.isForgettable)
    }
}
