import KafkaProtocol

// Heartbeat (key 12), versions 0–4. Keeps a member's session alive; REBALANCE_IN_PROGRESS tells
// it to rejoin, UNKNOWN_MEMBER_ID and ILLEGAL_GENERATION that it was removed or is stale.
struct HeartbeatHandler: KafkaHandler {
    typealias Request = HeartbeatRequest
    static let versions: ClosedRange<Int16> = 0...4

    let broker: BrokerServices

    func handle(_ request: HeartbeatRequest, context: RequestContext) throws -> HandlerReply<HeartbeatResponse> {
        var response = HeartbeatResponse()
        if request.groupId.rawValue.isEmpty {
            response.errorCode = ErrorCode.invalidGroupId.rawValue
        } else {
            response.errorCode =
                broker.groups.heartbeat(
                    group: request.groupId.rawValue, memberId: request.memberId, instanceId: request.groupInstanceId,
                    generation: request.generationId
                ).rawValue
        }
        return .now(response)
    }
}
