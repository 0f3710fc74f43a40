import KafkaProtocol
import NIOCore
import SluiceCoordinator

// SyncGroup (key 14), versions 0–5. The leader sends every member's assignment; the followers'
// replies wait for it (`.later`). In a Stable group a member simply gets its assignment again.
struct SyncGroupHandler: KafkaHandler {
    typealias Request = SyncGroupRequest
    static let versions: ClosedRange<Int16> = 0...5

    let broker: BrokerServices

    func handle(_ request: SyncGroupRequest, context: RequestContext) throws -> HandlerReply<SyncGroupResponse> {
        guard !request.groupId.rawValue.isEmpty else {
            var response = SyncGroupResponse()
            response.errorCode = ErrorCode.invalidGroupId.rawValue
            return .now(response)
        }
        var assignments: [String: ByteBuffer] = [:]
        for entry in request.assignments { assignments[entry.memberId] = entry.assignment }
        let groups = broker.groups
        let sentAssignments = assignments
        return .later {
            let result = await groups.sync(
                group: request.groupId.rawValue, memberId: request.memberId, instanceId: request.groupInstanceId,
                generation: request.generationId, protocolType: request.protocolType,
                protocolName: request.protocolName, assignments: sentAssignments)
            var response = SyncGroupResponse()
            response.errorCode = result.error.rawValue
            response.protocolType = result.protocolType
            response.protocolName = result.protocolName
            response.assignment = result.assignment
            return response
        }
    }
}
