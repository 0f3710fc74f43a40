import KafkaProtocol

// LeaveGroup (key 13), versions 0–5. Up to v2 one member by id; from v3 a batch of members, each
// by member id or group.instance.id, each with its own error. Remaining members rebalance.
struct LeaveGroupHandler: KafkaHandler {
    typealias Request = LeaveGroupRequest
    static let versions: ClosedRange<Int16> = 0...5

    let broker: BrokerServices

    func handle(_ request: LeaveGroupRequest, context: RequestContext) throws -> HandlerReply<LeaveGroupResponse> {
        var response = LeaveGroupResponse()
        guard !request.groupId.rawValue.isEmpty else {
            response.errorCode = ErrorCode.invalidGroupId.rawValue
            return .now(response)
        }
        let group = request.groupId.rawValue
        if context.apiVersion < 3 {
            response.errorCode = broker.groups.leave(group: group, members: [(request.memberId, nil)])[0].rawValue
            return .now(response)
        }
        let errors = broker.groups.leave(
            group: group, members: request.members.map { ($0.memberId, $0.groupInstanceId) })
        response.members = zip(request.members, errors).map { member, error in
            var result = LeaveGroupResponse.MemberResponse()
            result.memberId = member.memberId
            result.groupInstanceId = member.groupInstanceId
            result.errorCode = error.rawValue
            return result
        }
        return .now(response)
    }
}
