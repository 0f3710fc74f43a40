import KafkaProtocol
import SluiceCoordinator

// DescribeTransactions (key 65), version 0. State, producer id and epoch, timeout, start time and
// partitions of each transactional id; an unknown one gets TRANSACTIONAL_ID_NOT_FOUND. A
// transaction whose markers are still being fsynced is described once its completion is recorded.
struct DescribeTransactionsHandler: KafkaHandler {
    typealias Request = DescribeTransactionsRequest
    static let versions: ClosedRange<Int16> = 0...0

    let broker: BrokerServices

    func handle(_ request: DescribeTransactionsRequest, context: RequestContext) throws -> HandlerReply<
        DescribeTransactionsResponse
    > {
        .later { [broker] in
            var response = DescribeTransactionsResponse()
            for id in request.transactionalIds {
                let metadata = await broker.transactions.settledMetadata(transactionalId: id.rawValue)
                response.transactionStates.append(describe(id, metadata))
            }
            return response
        }
    }

    private func describe(_ id: TransactionalId, _ metadata: TransactionMetadata?)
        -> DescribeTransactionsResponse.TransactionState
    {
        var state = DescribeTransactionsResponse.TransactionState()
        state.transactionalId = id
        guard let metadata, metadata.state != .dead else {
            state.errorCode = ErrorCode.transactionalIdNotFound.rawValue
            state.producerId = ProducerId(-1)
            state.producerEpoch = -1
            return state
        }
        state.transactionState = metadata.state.name
        state.transactionTimeoutMs = metadata.timeoutMs
        state.transactionStartTimeMs = metadata.startTimestamp
        state.producerId = ProducerId(metadata.producerId)
        state.producerEpoch = metadata.producerEpoch
        state.topics = Dictionary(grouping: metadata.partitions, by: \.topic).sorted { $0.key < $1.key }.map {
            var topic = DescribeTransactionsResponse.TopicData()
            topic.topic = TopicName($0.key)
            topic.partitions = $0.value.map(\.partition).sorted()
            return topic
        }
        return state
    }
}
