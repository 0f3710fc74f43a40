import KafkaProtocol

// InitProducerId (key 22), versions 0–5. Idempotent producers get a producer id that is unique
// across restarts and epoch 0; a producer that passes its current id and epoch (v3+, KIP-360)
// gets the epoch bumped, or a fresh id when the epoch is exhausted. A transactional id goes to the
// transaction coordinator: a new epoch fences older instances and aborts their open transaction.
// PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v4, as in Kafka.
struct InitProducerIdHandler: KafkaHandler {
    typealias Request = InitProducerIdRequest
    static let versions: ClosedRange<Int16> = 0...5

    let broker: BrokerServices

    func handle(_ request: InitProducerIdRequest, context: RequestContext) throws -> HandlerReply<
        InitProducerIdResponse
    > {
        var response = InitProducerIdResponse()
        response.producerId = ProducerId(-1)
        response.producerEpoch = -1
        if let id = request.transactionalId?.rawValue {
            guard !id.isEmpty else {
                response.errorCode = ErrorCode.invalidRequest.rawValue
                return .now(response)
            }
            let expected =
                request.producerId.rawValue >= 0 ? (request.producerId.rawValue, request.producerEpoch) : nil
            let version = context.apiVersion
            return .later { [broker] in
                let outcome = await broker.transactions.initProducerId(
                    transactionalId: id, timeoutMs: request.transactionTimeoutMs, expected: expected)
                var response = InitProducerIdResponse()
                response.errorCode = outcome.error.fenced(before: 4, version: version).rawValue
                response.producerId = ProducerId(outcome.error == .none ? outcome.producerId : -1)
                response.producerEpoch = outcome.error == .none ? outcome.producerEpoch : -1
                if outcome.error != .none {
                    broker.logger.debug(
                        "InitProducerId for '\(id)' from \(context.peer): error \(outcome.error.rawValue)")
                }
                return response
            }
        }
        do {
            if request.producerId.rawValue >= 0, request.producerEpoch >= 0, request.producerEpoch < Int16.max - 1 {
                response.producerId = request.producerId
                response.producerEpoch = request.producerEpoch + 1
            } else {
                response.producerId = ProducerId(try broker.producerIds.next())
                response.producerEpoch = 0
            }
        } catch {
            broker.logger.error("allocating a producer id failed: \(error)")
            response.errorCode = ErrorCode.kafkaStorageError.rawValue
        }
        return .now(response)
    }
}
