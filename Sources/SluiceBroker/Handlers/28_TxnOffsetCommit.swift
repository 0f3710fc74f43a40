import KafkaProtocol
import SluiceCoordinator

// TxnOffsetCommit (key 28), versions 0–4. Offsets a transactional producer commits for a group
// (send_offsets_to_transaction): the producer must own an open transaction that holds the group's
// __consumer_offsets partition (AddOffsetsToTxn). They are written at once as a transactional
// batch and become the group's committed offsets only when the transaction commits. From v3 the
// consumer's member id and generation come along and are checked as for OffsetCommit (KIP-447).
// PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.
struct TxnOffsetCommitHandler: KafkaHandler {
    typealias Request = TxnOffsetCommitRequest
    static let versions: ClosedRange<Int16> = 0...4

    let broker: BrokerServices

    func handle(_ request: TxnOffsetCommitRequest, context: RequestContext) throws -> HandlerReply<
        TxnOffsetCommitResponse
    > {
        let group = request.groupId.rawValue
        let now = currentTimeMillis()
        var transactionError = ErrorCode.invalidGroupId
        if !group.isEmpty {
            transactionError = broker.transactions.checkOngoing(
                transactionalId: request.transactionalId.rawValue, producerId: request.producerId.rawValue,
                epoch: request.producerEpoch, partition: broker.groups.offsetsTopicPartition(group: group)
            ).fenced(before: 2, version: context.apiVersion)
        }
        var response = TxnOffsetCommitResponse()
        var accepted: [TopicPartition: CommittedOffset] = [:]
        for topic in request.topics {
            var topicResponse = TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic()
            topicResponse.name = topic.name
            for partition in topic.partitions {
                var result = TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition()
                result.partitionIndex = partition.partitionIndex
                if transactionError != .none {
                    result.errorCode = transactionError.rawValue
                } else if broker.topics.partition(topic.name.rawValue, partition.partitionIndex) == nil {
                    result.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                } else if (partition.committedMetadata?.utf8.count ?? 0) > OffsetCommitHandler.maxMetadataBytes {
                    result.errorCode = ErrorCode.offsetMetadataTooLarge.rawValue
                } else {
                    accepted[TopicPartition(topic.name.rawValue, partition.partitionIndex)] = CommittedOffset(
                        offset: partition.committedOffset, leaderEpoch: partition.committedLeaderEpoch,
                        metadata: partition.committedMetadata ?? "", commitTimestamp: now)
                }
                topicResponse.partitions.append(result)
            }
            response.topics.append(topicResponse)
        }
        if transactionError != .none {
            broker.logger.debug(
                "TxnOffsetCommit for '\(request.transactionalId.rawValue)': error \(transactionError.rawValue)")
        }
        if accepted.isEmpty { return .now(response) }
        let partial = response
        let offsets = accepted
        return .later { [broker] in
            let error = await broker.groups.commitTransactional(
                group: group, producerId: request.producerId.rawValue, epoch: request.producerEpoch,
                member: (request.memberId, request.groupInstanceId, request.generationId), offsets: offsets)
            guard let error else { return partial }
            var response = partial
            for topicIndex in response.topics.indices {
                let name = response.topics[topicIndex].name.rawValue
                for index in response.topics[topicIndex].partitions.indices
                where offsets[TopicPartition(name, response.topics[topicIndex].partitions[index].partitionIndex)] != nil
                {
                    response.topics[topicIndex].partitions[index].errorCode = error.rawValue
                }
            }
            return response
        }
    }
}
