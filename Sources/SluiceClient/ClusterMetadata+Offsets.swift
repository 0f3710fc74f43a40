import KafkaProtocol

/// Offset look-ups and group offset commits, shared by the consumer and the admin client.
extension ClusterMetadata {
    /// Looks up `spec` in each partition, asking each partition's leader. Returns offset and
    /// timestamp per partition; a partition the broker reports an error for throws.
    func listOffsets(
        _ partitions: [TopicPartition], spec: OffsetSpec, isolation: IsolationLevel = .readUncommitted
    ) async throws -> [TopicPartition: (offset: Int64, timestamp: Int64)] {
        var result: [TopicPartition: (offset: Int64, timestamp: Int64)] = [:]
        for (node, group) in try await byLeader(partitions) {
            var request = ListOffsetsRequest()
            request.replicaId = BrokerId(-1)
            request.isolationLevel = isolation.rawValue
            request.timeoutMs = Int32(clamping: config.requestTimeout.milliseconds)
            request.topics = Dictionary(grouping: group, by: \.topic).map { topic, partitions in
                var entry = ListOffsetsRequest.ListOffsetsTopic()
                entry.name = TopicName(topic)
                entry.partitions = partitions.map {
                    var partition = ListOffsetsRequest.ListOffsetsPartition()
                    partition.partitionIndex = $0.partition
                    partition.timestamp = spec.wireTimestamp
                    return partition
                }
                return entry
            }
            let answer = try await connection(toNode: node).send(request, timeout: config.requestTimeout.timeAmount)
            for topic in answer.topics {
                for partition in topic.partitions {
                    let key = TopicPartition(topic.name.rawValue, partition.partitionIndex)
                    let code = ErrorCode(partition.errorCode)
                    guard code == .none else {
                        if code == .notLeaderOrFollower || code == .unknownTopicOrPartition {
                            invalidate(topic: key.topic)
                        }
                        throw KafkaClientError.broker(code, context: "ListOffsets \(key)")
                    }
                    result[key] = (partition.offset, partition.timestamp)
                }
            }
        }
        return result
    }

    /// The group's committed offsets (nil `partitions`: every partition it has committed).
    /// Partitions without a committed offset are left out.
    func committedOffsets(group: String, partitions: [TopicPartition]?) async throws -> [TopicPartition: Int64] {
        var request = OffsetFetchRequest()
        request.groupId = GroupId(group)
        request.topics = partitions.map { partitions in
            Dictionary(grouping: partitions, by: \.topic).map { topic, partitions in
                var entry = OffsetFetchRequest.OffsetFetchRequestTopic()
                entry.name = TopicName(topic)
                entry.partitionIndexes = partitions.map(\.partition)
                return entry
            }
        }
        let answer = try await withCoordinator(group) { [request] connection in
            let answer = try await connection.send(request, timeout: self.config.requestTimeout.timeAmount)
            return (answer, ErrorCode(answer.errorCode))
        }
        var result: [TopicPartition: Int64] = [:]
        for topic in answer.topics {
            for partition in topic.partitions where partition.committedOffset >= 0 {
                result[TopicPartition(topic.name.rawValue, partition.partitionIndex)] = partition.committedOffset
            }
        }
        return result
    }

    /// Commits `offsets` for `group` (generation/epoch -1 and no member id: an admin or a
    /// manually assigned consumer).
    func commitOffsets(
        group: String, offsets: [TopicPartition: Int64], generation: Int32 = -1, memberId: String = "",
        groupInstanceId: String? = nil
    ) async throws {
        var request = OffsetCommitRequest()
        request.groupId = GroupId(group)
        request.generationIdOrMemberEpoch = generation
        request.memberId = memberId
        request.groupInstanceId = groupInstanceId
        request.topics = Dictionary(grouping: offsets.keys, by: \.topic).map { topic, partitions in
            var entry = OffsetCommitRequest.OffsetCommitRequestTopic()
            entry.name = TopicName(topic)
            entry.partitions = partitions.map {
                var partition = OffsetCommitRequest.OffsetCommitRequestPartition()
                partition.partitionIndex = $0.partition
                partition.committedOffset = offsets[$0]!
                partition.committedMetadata = ""
                return partition
            }
            return entry
        }
        _ = try await withCoordinator(group) { [request] connection in
            let answer = try await connection.send(request, timeout: self.config.requestTimeout.timeAmount)
            let firstError = answer.topics.lazy.flatMap(\.partitions).map { ErrorCode($0.errorCode) }
                .first { $0 != .none }
            return (answer, firstError ?? .none)
        }
    }

    /// Runs `body` against the group's coordinator; NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE
    /// and COORDINATOR_LOAD_IN_PROGRESS find the coordinator again and retry (a few times).
    func withCoordinator<T: Sendable>(
        _ group: String, _ body: @Sendable (BrokerConnection) async throws -> (T, ErrorCode)
    ) async throws -> T {
        var backoff = config.retryBackoff
        for attempt in 1...5 {
            let connection = try await coordinator(forGroup: group)
            let (answer, code) = try await body(connection)
            switch code {
            case .none:
                return answer
            case .notCoordinator, .coordinatorNotAvailable, .coordinatorLoadInProgress:
                invalidate(coordinatorOf: group)
                if attempt == 5 { throw KafkaClientError.broker(code, context: "group \(group)") }
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, config.retryBackoffMax)
            default:
                throw KafkaClientError.broker(code, context: "group \(group)")
            }
        }
        throw KafkaClientError.broker(.coordinatorNotAvailable, context: "group \(group)")
    }
}
