import KafkaProtocol

// InitProducerId (key 22), versions 0–5. Idempotent producers get a producer id that is unique
// across restarts and epoch 0; a producer that passes its current id and epoch (v3+, KIP-360)
// gets the epoch bumped, or a fresh id when the epoch is exhausted. Transactional ids need the
// transaction coordinator, which is not built yet: they get COORDINATOR_NOT_AVAILABLE.
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
        if request.transactionalId != nil {
            response.errorCode = ErrorCode.coordinatorNotAvailable.rawValue
            return .now(response)
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
