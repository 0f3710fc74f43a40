import KafkaProtocol
import SluiceCoordinator

// OffsetCommit (key 8), versions 0–9. v0 has no generation or member (a "simple" commit, refused
// with UNKNOWN_MEMBER_ID while the group has members); v1 may carry each offset's commit timestamp;
// v2-v4 a retention time, stored as Kafka does (offset value v1 with an expire timestamp). Partitions of unknown topics and oversized metadata are
// rejected one by one; the group checks the member and generation (or allows a "simple" commit
// with generation -1 while it has no members); the offsets are answered once fsynced.
struct OffsetCommitHandler: KafkaHandler {
    typealias Request = OffsetCommitRequest
    static let versions: ClosedRange<Int16> = 0...9
    /// Kafka's `offset.metadata.max.bytes` default.
    static let maxMetadataBytes = 4096

    let broker: BrokerServices

    func handle(_ request: OffsetCommitRequest, context: RequestContext) throws -> HandlerReply<
        OffsetCommitResponse
    > {
        var response = OffsetCommitResponse()
        var accepted: [TopicPartition: CommittedOffset] = [:]
        let now = currentTimeMillis()
        let groupValid = !request.groupId.rawValue.isEmpty
        for topic in request.topics {
            var topicResponse = OffsetCommitResponse.OffsetCommitResponseTopic()
            topicResponse.name = topic.name
            for partition in topic.partitions {
                var result = OffsetCommitResponse.OffsetCommitResponsePartition()
                result.partitionIndex = partition.partitionIndex
                if !groupValid {
                    result.errorCode = ErrorCode.invalidGroupId.rawValue
                } else if broker.topics.partition(topic.name.rawValue, partition.partitionIndex) == nil {
                    result.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                } else if (partition.committedMetadata?.utf8.count ?? 0) > Self.maxMetadataBytes {
                    result.errorCode = ErrorCode.offsetMetadataTooLarge.rawValue
                } else {
                    accepted[TopicPartition(topic.name.rawValue, partition.partitionIndex)] = CommittedOffset(
                        offset: partition.committedOffset, leaderEpoch: partition.committedLeaderEpoch,
                        metadata: partition.committedMetadata ?? "",
                        commitTimestamp: partition.commitTimestamp >= 0 ? partition.commitTimestamp : now,
                        expireTimestamp: request.retentionTimeMs == -1 ? nil : now + request.retentionTimeMs)
                }
                topicResponse.partitions.append(result)
            }
            response.topics.append(topicResponse)
        }
        if accepted.isEmpty { return .now(response) }
        let groups = broker.groups
        let partial = response
        let offsets = accepted
        return .later {
            let error = await groups.commit(
                group: request.groupId.rawValue, memberId: request.memberId, instanceId: request.groupInstanceId,
                generation: request.generationIdOrMemberEpoch, offsets: offsets)
            guard let error else { return partial }
            var response = partial
            for topicIndex in response.topics.indices {
                let name = response.topics[topicIndex].name.rawValue
                for index in response.topics[topicIndex].partitions.indices {
                    let partition = response.topics[topicIndex].partitions[index].partitionIndex
                    if offsets[TopicPartition(name, partition)] != nil {
                        response.topics[topicIndex].partitions[index].errorCode = error.rawValue
                    }
                }
            }
            return response
        }
    }
}
