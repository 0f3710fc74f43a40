import KafkaProtocol
import SluiceCoordinator

// AddPartitionsToTxn (key 24), versions 0–5. Up to v3 a producer adds partitions to its own
// transaction; from v4 (KIP-890's batched form, sent by brokers) one request carries several
// transactions, each of which may be `verifyOnly` (are these partitions in the open transaction?).
// Partitions of missing topics get UNKNOWN_TOPIC_OR_PARTITION and the rest of that transaction
// OPERATION_NOT_ATTEMPTED, as in Kafka. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.
struct AddPartitionsToTxnHandler: KafkaHandler {
    typealias Request = AddPartitionsToTxnRequest
    static let versions: ClosedRange<Int16> = 0...5

    let broker: BrokerServices

    func handle(_ request: AddPartitionsToTxnRequest, context: RequestContext) throws -> HandlerReply<
        AddPartitionsToTxnResponse
    > {
        let version = context.apiVersion
        let transactions: [AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction]
        if version < 4 {
            var single = AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction()
            single.transactionalId = request.v3AndBelowTransactionalId
            single.producerId = request.v3AndBelowProducerId
            single.producerEpoch = request.v3AndBelowProducerEpoch
            single.topics = request.v3AndBelowTopics
            transactions = [single]
        } else {
            transactions = request.transactions
        }
        return .later { [broker] in
            var results: [AddPartitionsToTxnResponse.AddPartitionsToTxnResult] = []
            for transaction in transactions {
                results.append(await add(transaction, version: version, broker: broker))
            }
            var response = AddPartitionsToTxnResponse()
            if version < 4 {
                response.resultsByTopicV3AndBelow = results.first?.topicResults ?? []
            } else {
                response.resultsByTransaction = results
            }
            return response
        }
    }

    private func add(
        _ transaction: AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction, version: Int16, broker: BrokerServices
    ) async -> AddPartitionsToTxnResponse.AddPartitionsToTxnResult {
        let id = transaction.transactionalId.rawValue
        let requested = transaction.topics.flatMap { topic in
            topic.partitions.map { TopicPartition(topic.name.rawValue, $0) }
        }
        let missing = Set(requested.filter { broker.topics.partition($0.topic, $0.partition) == nil })
        var errors: [TopicPartition: ErrorCode] = [:]
        if !missing.isEmpty {
            broker.logger.debug("AddPartitionsToTxn for '\(id)': unknown partitions \(missing.sorted())")
            for partition in requested {
                errors[partition] = missing.contains(partition) ? .unknownTopicOrPartition : .operationNotAttempted
            }
        } else if transaction.verifyOnly {
            let open = broker.transactions.metadata(transactionalId: id)
            let isOwner =
                open?.producerId == transaction.producerId.rawValue && open?.producerEpoch == transaction.producerEpoch
                && open?.state == .ongoing
            for partition in requested {
                let included = isOwner && open?.partitions.contains(partition) == true
                errors[partition] = included ? ErrorCode.none : .invalidTxnState
            }
        } else {
            let outcome = await broker.transactions.addPartitions(
                transactionalId: id, producerId: transaction.producerId.rawValue, epoch: transaction.producerEpoch,
                partitions: requested)
            let error = outcome.error.fenced(before: 2, version: version)
            if error != .none { broker.logger.debug("AddPartitionsToTxn for '\(id)': error \(error.rawValue)") }
            for partition in requested { errors[partition] = error }
        }
        var result = AddPartitionsToTxnResponse.AddPartitionsToTxnResult()
        result.transactionalId = transaction.transactionalId
        result.topicResults = transaction.topics.map { topic in
            var topicResult = AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult()
            topicResult.name = topic.name
            topicResult.resultsByPartition = topic.partitions.map { partition in
                var partitionResult = AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult()
                partitionResult.partitionIndex = partition
                partitionResult.partitionErrorCode =
                    (errors[TopicPartition(topic.name.rawValue, partition)] ?? .none).rawValue
                return partitionResult
            }
            return topicResult
        }
        return result
    }
}
