import KafkaProtocol

// EndTxn (key 26), versions 0–5. Commits or aborts the producer's transaction: the decision is
// persisted, COMMIT/ABORT markers are written to every partition in it, and the answer comes once
// the transaction is complete. From v5 the answer carries the producer id and epoch to go on with
// (unchanged here: Sluice does not advertise transaction version 2, so epochs are not bumped per
// transaction). PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.
struct EndTxnHandler: KafkaHandler {
    typealias Request = EndTxnRequest
    static let versions: ClosedRange<Int16> = 0...5

    let broker: BrokerServices

    func handle(_ request: EndTxnRequest, context: RequestContext) throws -> HandlerReply<EndTxnResponse> {
        let version = context.apiVersion
        return .later { [broker] in
            let id = request.transactionalId.rawValue
            let outcome = await broker.transactions.endTransaction(
                transactionalId: id, producerId: request.producerId.rawValue, epoch: request.producerEpoch,
                commit: request.committed)
            var response = EndTxnResponse()
            response.errorCode = outcome.error.fenced(before: 2, version: version).rawValue
            if outcome.error == .none {
                response.producerId = ProducerId(outcome.producerId)
                response.producerEpoch = outcome.producerEpoch
            } else {
                broker.logger.info(
                    "EndTxn(\(request.committed ? "commit" : "abort")) for '\(id)' from \(context.peer): error \(outcome.error.rawValue)"
                )
            }
            return response
        }
    }
}
