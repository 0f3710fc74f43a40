import KafkaProtocol

// FindCoordinator (key 10), versions 0–6. This single node coordinates every group (key type 0)
// and every transactional id (key type 1). From v4 one request asks for many keys
// (`coordinatorKeys`) and the answer has one entry per key.
struct FindCoordinatorHandler: KafkaHandler {
    typealias Request = FindCoordinatorRequest
    static let versions: ClosedRange<Int16> = 0...6

    let broker: BrokerServices

    func handle(_ request: FindCoordinatorRequest, context: RequestContext) throws -> HandlerReply<
        FindCoordinatorResponse
    > {
        var response = FindCoordinatorResponse()
        if context.apiVersion >= 4 {
            response.coordinators = request.coordinatorKeys.map { answer(key: $0, keyType: request.keyType) }
            return .now(response)
        }
        let single = answer(key: request.key, keyType: request.keyType)
        response.errorCode = single.errorCode
        response.errorMessage = single.errorMessage
        response.nodeId = single.nodeId
        response.host = single.host
        response.port = single.port
        return .now(response)
    }

    private func answer(key: String, keyType: Int8) -> FindCoordinatorResponse.Coordinator {
        var coordinator = FindCoordinatorResponse.Coordinator()
        coordinator.key = key
        switch keyType {
        case 0, 1:
            let (host, port) = broker.advertised
            coordinator.nodeId = BrokerId(broker.nodeId)
            coordinator.host = host
            coordinator.port = Int32(port)
            coordinator.errorMessage = nil
            return coordinator
        default:
            coordinator.errorCode = ErrorCode.invalidRequest.rawValue
            coordinator.errorMessage = "unknown coordinator key type \(keyType)"
        }
        coordinator.nodeId = BrokerId(-1)
        coordinator.port = -1
        return coordinator
    }
}
