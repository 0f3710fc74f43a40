import KafkaProtocol

/// A group as ListGroups reports it.
public struct GroupListing: Sendable, Equatable {
    public var groupId: String
    /// "consumer" for consumer groups.
    public var protocolType: String
    /// Stable, Empty, PreparingRebalance, …
    public var state: String
    /// "classic" or "consumer" (KIP-848).
    public var type: String
}

/// A group member with its assigned partitions.
public struct GroupMemberDescription: Sendable, Equatable {
    public var memberId: String
    public var groupInstanceId: String?
    public var clientId: String
    public var host: String
    public var assignment: [TopicPartition]
}

/// A group's state and members.
public struct GroupDescription: Sendable, Equatable {
    public var groupId: String
    public var state: String
    public var protocolType: String
    /// The assignor the group chose (classic groups).
    public var assignor: String
    public var members: [GroupMemberDescription]
}

/// Committed offset, end offset and lag of one partition of a group.
public struct PartitionLag: Sendable, Equatable {
    public var partition: TopicPartition
    /// Nil when the group has not committed for this partition.
    public var committed: Int64?
    public var endOffset: Int64
    /// endOffset - committed (the whole partition when nothing is committed).
    public var lag: Int64
}

extension Admin {
    /// Every group the cluster knows, sorted by id.
    public func listGroups() async throws -> [GroupListing] {
        let connection = try await cluster.anyConnection()
        let answer = try await connection.send(ListGroupsRequest(), timeout: config.requestTimeout.timeAmount)
        try Self.check((answer.errorCode, nil), "list groups")
        return answer.groups.map {
            GroupListing(
                groupId: $0.groupId.rawValue, protocolType: $0.protocolType, state: $0.groupState,
                type: $0.groupType)
        }.sorted { $0.groupId < $1.groupId }
    }

    /// The group's state and members with their assignments (Dead with no members when unknown).
    /// Classic groups answer DescribeGroups; KIP-848 groups, which DescribeGroups reports as
    /// Dead, are asked again with ConsumerGroupDescribe.
    public func describeGroup(_ group: String) async throws -> GroupDescription {
        var request = DescribeGroupsRequest()
        request.groups = [GroupId(group)]
        let described = try await cluster.withCoordinator(group) { [request] connection in
            let answer = try await connection.send(request, timeout: self.config.requestTimeout.timeAmount)
            guard let described = answer.groups.first else {
                throw KafkaClientError.malformedResponse("DescribeGroups without the group")
            }
            let code = ErrorCode(described.errorCode)
            return (described, code == .groupIdNotFound ? .none : code)
        }
        if described.members.isEmpty, described.groupState == "Dead" || described.errorCode != 0,
            let modern = try await describeConsumerProtocolGroup(group)
        {
            return modern
        }
        return GroupDescription(
            groupId: group, state: described.groupState, protocolType: described.protocolType,
            assignor: described.protocolData,
            members: described.members.map {
                GroupMemberDescription(
                    memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, clientId: $0.clientId,
                    host: $0.clientHost,
                    assignment: (try? ConsumerProtocolCodec.decodeAssignment($0.memberAssignment)) ?? [])
            })
    }

    /// ConsumerGroupDescribe; nil when the broker does not serve it or has no such group.
    private func describeConsumerProtocolGroup(_ group: String) async throws -> GroupDescription? {
        var request = ConsumerGroupDescribeRequest()
        request.groupIds = [GroupId(group)]
        let connection = try await cluster.coordinator(forGroup: group)
        guard (try? connection.version(for: ConsumerGroupDescribeRequest.self)) != nil else { return nil }
        let answer = try await connection.send(request, timeout: config.requestTimeout.timeAmount)
        guard let described = answer.groups.first, described.errorCode == 0 else { return nil }
        return GroupDescription(
            groupId: group, state: described.groupState, protocolType: "consumer", assignor: described.assignorName,
            members: described.members.map { member in
                GroupMemberDescription(
                    memberId: member.memberId, groupInstanceId: member.instanceId, clientId: member.clientId,
                    host: member.clientHost,
                    assignment: member.assignment.topicPartitions.flatMap { topic in
                        topic.partitions.map { TopicPartition(topic.topicName.rawValue, $0) }
                    }.sorted())
            })
    }

    /// Deletes a group with no active members (NON_EMPTY_GROUP otherwise) and its offsets.
    public func deleteGroup(_ group: String) async throws {
        var request = DeleteGroupsRequest()
        request.groupsNames = [GroupId(group)]
        _ = try await cluster.withCoordinator(group) { [request] connection in
            let answer = try await connection.send(request, timeout: self.config.requestTimeout.timeAmount)
            return ((), answer.results.first.map { ErrorCode($0.errorCode) } ?? .unknownServerError)
        }
    }

    /// The group's committed offsets; nil `partitions` asks for all it has.
    public func committedOffsets(group: String, partitions: [TopicPartition]? = nil) async throws
        -> [TopicPartition: Int64]
    {
        try await cluster.committedOffsets(group: group, partitions: partitions)
    }

    /// Committed offset, end offset and lag for every partition the group has committed, plus
    /// every partition of `topics` (so a topic the group has not committed yet shows full lag).
    public func groupLag(_ group: String, topics: [String] = []) async throws -> [PartitionLag] {
        let committed = try await cluster.committedOffsets(group: group, partitions: nil)
        var partitions = Set(committed.keys)
        for topic in topics {
            for partition in try await cluster.topic(topic).leaders.keys {
                partitions.insert(TopicPartition(topic, partition))
            }
        }
        let ends = try await cluster.listOffsets(Array(partitions), spec: .latest)
        return partitions.sorted().map { partition in
            let end = ends[partition]?.offset ?? 0
            let offset = committed[partition]
            return PartitionLag(
                partition: partition, committed: offset, endOffset: end, lag: max(0, end - (offset ?? 0)))
        }
    }

    /// Sets the group's committed offsets (the group must have no active members, as in Kafka's
    /// `--reset-offsets`).
    public func alterGroupOffsets(_ group: String, offsets: [TopicPartition: Int64]) async throws {
        try await cluster.commitOffsets(group: group, offsets: offsets)
    }

    /// Moves the group's offsets for every partition of `topic` to `spec` (earliest, latest,
    /// a time) and returns the new offsets.
    @discardableResult
    public func resetGroupOffsets(_ group: String, topic: String, to spec: OffsetSpec) async throws
        -> [TopicPartition: Int64]
    {
        let metadata = try await cluster.topic(topic)
        let found = try await cluster.listOffsets(metadata.leaders.keys.map { TopicPartition(topic, $0) }, spec: spec)
        let offsets = found.mapValues(\.offset)
        try await cluster.commitOffsets(group: group, offsets: offsets)
        return offsets
    }
}
