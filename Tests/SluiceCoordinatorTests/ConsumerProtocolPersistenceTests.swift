import KafkaProtocol
import NIOCore
import Testing

@testable import SluiceCoordinator

/// A group whose every change is "written" to an in-memory log, as the broker does.
private struct LoggedGroup {
    var group = ConsumerProtocolGroup(groupId: "g")
    var log: [(key: ByteBuffer, value: ByteBuffer?)] = []

    mutating func heartbeat(
        _ id: String, epoch: Int32, owned: Set<TopicPartition>?, instance: String? = nil, topics: [String: Int32]
    ) -> ConsumerHeartbeatResult {
        let before = group.members.isEmpty ? nil : group
        let request =
            epoch == 0
            ? ConsumerHeartbeat(
                memberId: id, memberEpoch: 0, instanceId: instance, rackId: "r1", clientId: "client-\(id)",
                clientHost: "/10.0.0.1", rebalanceTimeoutMs: 30_000, subscribedTopicNames: ["t"],
                serverAssignor: "uniform", ownedPartitions: owned)
            : ConsumerHeartbeat(memberId: id, memberEpoch: epoch, instanceId: instance, ownedPartitions: owned)
        let result = group.heartbeat(request, topics: topics, now: 0)
        log += group.records(since: before).map { $0.encoded() }
        return result
    }

    /// A fresh group rebuilt from the log, the way the broker replays `__consumer_offsets`.
    func replayed(now: Int64 = 1_000) throws -> ConsumerProtocolGroup {
        var rebuilt = ConsumerProtocolGroup(groupId: "g")
        for (key, value) in log {
            guard case .consumer(let record) = try StoredGroupRecord.decode(key: key, value: value) else {
                Issue.record("a consumer-protocol record decoded as a classic one")
                continue
            }
            rebuilt.replay(record, now: now)
        }
        return rebuilt
    }
}

private let topics: [String: Int32] = ["t": 4]
private func tp(_ partitions: [Int32]) -> Set<TopicPartition> { Set(partitions.map { TopicPartition("t", $0) }) }

/// The persisted parts of two groups are equal.
private func expectSameState(_ restored: ConsumerProtocolGroup, _ live: ConsumerProtocolGroup) {
    #expect(restored.groupEpoch == live.groupEpoch)
    #expect(restored.assignmentEpoch == live.assignmentEpoch)
    #expect(restored.target == live.target)
    #expect(restored.subscribedTopics == live.subscribedTopics)
    #expect(restored.staticMembers == live.staticMembers)
    #expect(restored.members.keys.sorted() == live.members.keys.sorted())
    for (id, member) in live.members {
        #expect(restored.members[id]?.storedMetadata == member.storedMetadata)
        #expect(restored.members[id]?.storedAssignment == member.storedAssignment)
    }
}

@Suite struct ConsumerProtocolPersistenceTests {
    @Test func everyRecordKindRoundTripsIncludingTombstones() throws {
        let metadata = ConsumerProtocolRecord.MemberMetadata(
            instanceId: "i", rackId: nil, clientId: "c", clientHost: "/h", subscribedTopicNames: ["a", "b"],
            subscribedTopicRegex: "x.*", rebalanceTimeoutMs: 5_000, serverAssignor: "range")
        let current = ConsumerProtocolRecord.CurrentAssignment(
            memberEpoch: 7, previousMemberEpoch: 6, state: .unrevokedPartitions, assigned: tp([0, 2]),
            pendingRevocation: [TopicPartition("u", 1)])
        let records: [ConsumerProtocolRecord] = [
            .groupEpoch(group: "g", 7), .groupEpoch(group: "g", nil), .subscribedTopics(group: "g", ["t": 4, "u": 2]),
            .subscribedTopics(group: "g", nil), .memberMetadata(group: "g", memberId: "m", metadata),
            .memberMetadata(group: "g", memberId: "m", nil), .targetEpoch(group: "g", 6),
            .targetEpoch(group: "g", nil), .targetMember(group: "g", memberId: "m", tp([1, 3])),
            .targetMember(group: "g", memberId: "m", nil), .currentAssignment(group: "g", memberId: "m", current),
            .currentAssignment(group: "g", memberId: "m", nil),
        ]
        for record in records {
            let (key, value) = record.encoded()
            #expect(try StoredGroupRecord.decode(key: key, value: value) == .consumer(record))
        }
    }

    @Test func keysUseKafkaKeyVersions() {
        let versions = [
            ConsumerProtocolRecord.groupEpoch(group: "g", 1), .subscribedTopics(group: "g", [:]),
            .memberMetadata(group: "g", memberId: "m", nil), .targetEpoch(group: "g", 1),
            .targetMember(group: "g", memberId: "m", []), .currentAssignment(group: "g", memberId: "m", nil),
        ].map { $0.encoded().key.getInteger(at: 0, as: Int16.self) }
        #expect(versions == [3, 4, 5, 6, 7, 8])
    }

    @Test func classicRecordsStillDecodeAsClassicAndGarbageIsRejected() throws {
        let classic = GroupRecord.groupTombstone(group: "g")
        let (key, value) = classic.encoded()
        #expect(try StoredGroupRecord.decode(key: key, value: value) == .classic(classic))
        var bad = ByteBuffer()
        bad.writeInteger(Int16(8))
        bad.writeInteger(Int16(40))
        #expect(throws: GroupRecord.DecodingError.self) { try StoredGroupRecord.decode(key: bad, value: nil) }
        var truncated = ConsumerProtocolRecord.targetMember(group: "g", memberId: "m", tp([1])).encoded()
        truncated.value?.moveWriterIndex(to: 6)
        #expect(throws: GroupRecord.DecodingError.self) {
            try StoredGroupRecord.decode(key: truncated.key, value: truncated.value)
        }
    }

    @Test func replayRebuildsMembersEpochsAndAssignmentsMidRebalance() throws {
        var logged = LoggedGroup()
        let first = logged.heartbeat("a", epoch: 0, owned: [], instance: "static-a", topics: topics)
        #expect(first.assignment == tp([0, 1, 2, 3]))
        // b joins: a must revoke two partitions; the log is replayed while a still owns them.
        _ = logged.heartbeat("b", epoch: 0, owned: [], topics: topics)
        _ = logged.heartbeat("a", epoch: 1, owned: tp([0, 1, 2, 3]), topics: topics)
        #expect(logged.group.members["a"]?.state == .unrevokedPartitions)
        expectSameState(try logged.replayed(), logged.group)
    }

    @Test func afterReplayMembersKeepTheirEpochAndPartitionsWithoutARebalance() throws {
        var logged = LoggedGroup()
        var owned: [String: Set<TopicPartition>] = ["a": [], "b": []]
        _ = logged.heartbeat("a", epoch: 0, owned: [], topics: topics)
        _ = logged.heartbeat("b", epoch: 0, owned: [], topics: topics)
        for _ in 0..<4 {
            for id in ["a", "b"] {
                let epoch = logged.group.members[id]?.memberEpoch ?? 0
                if let got = logged.heartbeat(id, epoch: epoch, owned: owned[id], topics: topics).assignment {
                    owned[id] = got
                }
            }
        }
        #expect(logged.group.stateName == "Stable")
        var restored = try logged.replayed()
        expectSameState(restored, logged.group)
        #expect(restored.stateName == "Stable")
        for id in ["a", "b"] {
            let epoch = logged.group.members[id]?.memberEpoch ?? -1
            let result = restored.heartbeat(
                ConsumerHeartbeat(memberId: id, memberEpoch: epoch, ownedPartitions: owned[id]), topics: topics,
                now: 2_000)
            #expect(result.error == .none)
            #expect(result.memberEpoch == epoch)
            #expect(restored.members[id]?.assigned == owned[id])
        }
        #expect(restored.groupEpoch == logged.group.groupEpoch)
    }

    @Test func membersThatLeftAreGoneAfterReplayAndAnEmptyGroupLeavesNothing() throws {
        var logged = LoggedGroup()
        _ = logged.heartbeat("a", epoch: 0, owned: [], topics: topics)
        _ = logged.heartbeat("b", epoch: 0, owned: [], topics: topics)
        _ = logged.heartbeat("b", epoch: -1, owned: nil, topics: topics)
        let restored = try logged.replayed()
        #expect(restored.members.keys.sorted() == ["a"])
        #expect(restored.target["b"] == nil)
        expectSameState(restored, logged.group)
        let epoch = logged.group.members["a"]?.memberEpoch ?? 0
        _ = logged.heartbeat("a", epoch: -1, owned: nil, topics: topics)
        let empty = try logged.replayed()
        #expect(empty.members.isEmpty)
        #expect(empty.groupEpoch == 0)
        #expect(epoch > 0)
    }

    @Test func aStaticMemberThatSteppedAwayComesBackToItsPartitionsAfterReplay() throws {
        var logged = LoggedGroup()
        let joined = logged.heartbeat("a", epoch: 0, owned: [], instance: "s", topics: topics)
        _ = logged.heartbeat("a", epoch: -2, owned: nil, instance: "s", topics: topics)
        var restored = try logged.replayed()
        #expect(restored.members["a"]?.memberEpoch == -2)
        #expect(restored.staticMembers == ["s": "a"])
        // The new incarnation takes over the old one's epoch and partitions.
        let back = restored.heartbeat(
            ConsumerHeartbeat(
                memberId: "a2", memberEpoch: 0, instanceId: "s", rebalanceTimeoutMs: 30_000,
                subscribedTopicNames: ["t"], ownedPartitions: []),
            topics: topics, now: 2_000)
        #expect(back.error == .none)
        #expect(back.memberEpoch == joined.memberEpoch)
        #expect(back.assignment == tp([0, 1, 2, 3]))
    }

    @Test func heartbeatsThatChangeNothingWriteNothing() {
        var group = ConsumerProtocolGroup(groupId: "g")
        _ = group.heartbeat(
            ConsumerHeartbeat(memberId: "a", memberEpoch: 0, rebalanceTimeoutMs: 1_000, subscribedTopicNames: ["t"]),
            topics: topics, now: 0)
        let before = group
        _ = group.heartbeat(
            ConsumerHeartbeat(memberId: "a", memberEpoch: 1, ownedPartitions: tp([0, 1, 2, 3])), topics: topics,
            now: 50)
        #expect(group.records(since: before).isEmpty)
    }
}
