import KafkaProtocol
import SluiceTestKit
import Testing

@testable import SluiceBroker

/// One partition of an OffsetFetch answer, whichever response shape it came in.
private struct FetchedOffset: Equatable, CustomStringConvertible {
    var topic: String
    var partition: Int32
    var offset: Int64
    var leaderEpoch: Int32
    var metadata: String?
    var errorCode: Int16

    var description: String {
        "\(topic)/\(partition)@\(offset) e\(leaderEpoch) '\(metadata ?? "nil")' err \(errorCode)"
    }
}

@Suite("OffsetFetch in both request shapes; DescribeGroups and ConsumerGroupDescribe of missing groups")
struct GroupReadTests {
    private let topic = "reads"

    /// Simple commits (no generation) of p0 at 5 (leader epoch 3, metadata "m0") and p1 at 7.
    private func commit(_ client: TestClient, group: String) async throws {
        var request = OffsetCommitRequest()
        request.groupId = GroupId(group)
        var committed = OffsetCommitRequest.OffsetCommitRequestTopic()
        committed.name = TopicName(topic)
        committed.partitions = [(Int32(0), Int64(5), Int32(3), "m0"), (1, 7, -1, "")].map {
            index, offset, epoch, text in
            var partition = OffsetCommitRequest.OffsetCommitRequestPartition()
            partition.partitionIndex = index
            partition.committedOffset = offset
            partition.committedLeaderEpoch = epoch
            partition.committedMetadata = text
            return partition
        }
        request.topics = [committed]
        let response = try await client.send(request, version: 8)
        #expect(response.topics.flatMap(\.partitions).map(\.errorCode) == [0, 0])
    }

    private func start() async throws -> (TestBroker, TestClient) {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        let created = try await client.send(Requests.createTopic(topic, partitions: 3), version: 7)
        #expect(created.topics[0].errorCode == 0)
        return (broker, client)
    }

    /// Either response shape, read through the protocols the handler fills both with.
    private func rows(_ topics: [some OffsetFetchAnsweredTopic]) -> [FetchedOffset] {
        topics.flatMap { topic in
            topic.partitions.map {
                FetchedOffset(
                    topic: topic.name.rawValue, partition: $0.partitionIndex, offset: $0.committedOffset,
                    leaderEpoch: $0.committedLeaderEpoch, metadata: $0.metadata, errorCode: $0.errorCode)
            }
        }
    }

    private func row(_ partition: Int32, _ offset: Int64, _ epoch: Int32 = -1, _ text: String = "", error: Int16 = 0)
        -> FetchedOffset
    {
        FetchedOffset(
            topic: topic, partition: partition, offset: offset, leaderEpoch: epoch, metadata: text, errorCode: error)
    }

    @Test func singleGroupShapeAnswersCommittedUncommittedAndAll() async throws {
        let (broker, client) = try await start()
        try await commit(client, group: "readers")
        var request = OffsetFetchRequest()
        request.groupId = "readers"
        var asked = OffsetFetchRequest.OffsetFetchRequestTopic()
        asked.name = TopicName(topic)
        asked.partitionIndexes = [2, 0, 1]
        request.topics = [asked]
        for version: Int16 in [1, 5, 7] {
            let response = try await client.send(request, version: version)
            #expect(response.errorCode == 0)
            let epoch: Int32 = version >= 5 ? 3 : -1  // the leader epoch is on the wire from v5
            #expect(rows(response.topics) == [row(2, -1), row(0, 5, epoch, "m0"), row(1, 7)], "v\(version)")
        }
        // Null topics (v2+): every committed offset of the group.
        request.topics = nil
        let all = try await client.send(request, version: 7)
        #expect(rows(all.topics).sorted { $0.partition < $1.partition } == [row(0, 5, 3, "m0"), row(1, 7)])
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func singleGroupShapeRepeatsAnEmptyGroupIdErrorOnEveryPartition() async throws {
        let (broker, client) = try await start()
        var request = OffsetFetchRequest()
        var asked = OffsetFetchRequest.OffsetFetchRequestTopic()
        asked.name = TopicName(topic)
        asked.partitionIndexes = [0, 1]
        request.topics = [asked]
        let invalid = ErrorCode.invalidGroupId.rawValue
        let v7 = try await client.send(request, version: 7)
        #expect(v7.errorCode == invalid)
        #expect(rows(v7.topics) == [row(0, -1, error: invalid), row(1, -1, error: invalid)])
        // v1 has no top-level error code: the partitions carry it alone.
        let v1 = try await client.send(request, version: 1)
        #expect(rows(v1.topics) == [row(0, -1, error: invalid), row(1, -1, error: invalid)])
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func groupsArrayShapeAnswersEachGroupWithItsOwnError() async throws {
        let (broker, client) = try await start()
        try await commit(client, group: "readers")
        func group(_ id: String, _ partitions: [Int32]?) -> OffsetFetchRequest.OffsetFetchRequestGroup {
            var group = OffsetFetchRequest.OffsetFetchRequestGroup()
            group.groupId = GroupId(id)
            group.topics = partitions.map { indexes in
                var asked = OffsetFetchRequest.OffsetFetchRequestTopics()
                asked.name = TopicName(topic)
                asked.partitionIndexes = indexes
                return [asked]
            }
            return group
        }
        var request = OffsetFetchRequest()
        request.groups = [group("readers", [0, 2]), group("", [1]), group("readers", nil), group("strangers", [1])]
        let response = try await client.send(request, version: 9)
        #expect(response.groups.map(\.groupId.rawValue) == ["readers", "", "readers", "strangers"])
        #expect(response.groups.map(\.errorCode) == [0, ErrorCode.invalidGroupId.rawValue, 0, 0])
        #expect(rows(response.groups[0].topics) == [row(0, 5, 3, "m0"), row(2, -1)])
        // The group's error is not repeated on its partitions in this shape.
        #expect(rows(response.groups[1].topics) == [row(1, -1)])
        #expect(
            rows(response.groups[2].topics).sorted { $0.partition < $1.partition } == [row(0, 5, 3, "m0"), row(1, 7)])
        #expect(rows(response.groups[3].topics) == [row(1, -1)])
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func describesOfAnEmptyAndAnUnknownGroupId() async throws {
        let (broker, client) = try await start()
        var classic = DescribeGroupsRequest()
        classic.groups = ["", "nobody"]
        let described = try await client.send(classic, version: 5)
        #expect(described.groups.map(\.groupId.rawValue) == ["", "nobody"])
        #expect(described.groups.map(\.errorCode) == [ErrorCode.invalidGroupId.rawValue, 0])
        // Kafka describes an unknown classic group as Dead, without an error.
        #expect(described.groups.map(\.groupState) == ["", "Dead"])

        var modern = ConsumerGroupDescribeRequest()
        modern.groupIds = ["", "nobody"]
        let consumer = try await client.send(modern, version: 0)
        #expect(consumer.groups.map(\.groupId.rawValue) == ["", "nobody"])
        #expect(
            consumer.groups.map(\.errorCode) == [ErrorCode.invalidGroupId.rawValue, ErrorCode.groupIdNotFound.rawValue])
        #expect(consumer.groups.map(\.errorMessage) == [nil, "Group nobody not found."])
        await client.close()
        await broker.stopAndRemove()
    }
}
