import KafkaProtocol
import SluiceCoordinator

// ListTransactions (key 66), versions 0–1. Every transactional id, filtered by state names (unknown
// names are echoed in unknownStateFilters), by producer ids, and from v1 by the time a transaction
// has been open (durationFilter ms, -1 for any).
struct ListTransactionsHandler: KafkaHandler {
    typealias Request = ListTransactionsRequest
    static let versions: ClosedRange<Int16> = 0...1

    let broker: BrokerServices

    func handle(_ request: ListTransactionsRequest, context: RequestContext) throws -> HandlerReply<
        ListTransactionsResponse
    > {
        var response = ListTransactionsResponse()
        let states = request.stateFilters.compactMap(SluiceCoordinator.TransactionState.init(name:))
        response.unknownStateFilters = request.stateFilters.filter {
            SluiceCoordinator.TransactionState(name: $0) == nil
        }
        let producers = Set(request.producerIdFilters.map(\.rawValue))
        let now = currentTimeMillis()
        response.transactionStates = broker.transactions.allTransactions().filter { metadata in
            metadata.state != .dead
                && (request.stateFilters.isEmpty || states.contains(metadata.state))
                && (producers.isEmpty || producers.contains(metadata.producerId))
                && (request.durationFilter < 0
                    || (metadata.startTimestamp >= 0 && now - metadata.startTimestamp >= request.durationFilter))
        }.map { metadata in
            var state = ListTransactionsResponse.TransactionState()
            state.transactionalId = TransactionalId(metadata.transactionalId)
            state.producerId = ProducerId(metadata.producerId)
            state.transactionState = metadata.state.name
            return state
        }
        return .now(response)
    }
}
