import KafkaProtocol
import SluiceCoordinator

// DescribeTransactions (key 65), version 0. State, producer id and epoch, timeout, start time and
// partitions of each transactional id; an unknown one gets TRANSACTIONAL_ID_NOT_FOUND.
struct DescribeTransactionsHandler: KafkaHandler {
    typealias Request = DescribeTransactionsRequest
    static let versions: ClosedRange<Int16> = 0...0

    let broker: BrokerServices

    func handle(_ request: DescribeTransactionsRequest, context: RequestContext) throws -> HandlerReply<
        DescribeTransactionsResponse
    > {
        var response = DescribeTransactionsResponse()
        response.transactionStates = request.transactionalIds.map { id in
            var state = DescribeTransactionsResponse.TransactionState()
            state.transactionalId = id
            guard let metadata = broker.transactions.metadata(transactionalId: id.rawValue),
                metadata.state != .dead
            else {
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
        return .now(response)
    }
}
