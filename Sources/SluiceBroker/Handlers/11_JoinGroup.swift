import Foundation
import KafkaProtocol
import SluiceCoordinator

// JoinGroup (key 11), versions 0–9. The reply is delayed until the rebalance completes (every
// member rejoined, or the rebalance timeout passed), so it always goes through `.later`. From v4 a
// new member without an id first gets MEMBER_ID_REQUIRED with the id to join with.
struct JoinGroupHandler: KafkaHandler {
    typealias Request = JoinGroupRequest
    static let versions: ClosedRange<Int16> = 0...9

    let broker: BrokerServices

    func handle(_ request: JoinGroupRequest, context: RequestContext) throws -> HandlerReply<JoinGroupResponse> {
        guard !request.groupId.rawValue.isEmpty else {
            var response = JoinGroupResponse()
            response.errorCode = ErrorCode.invalidGroupId.rawValue
            response.memberId = request.memberId
            return .now(response)
        }
        let join = JoinRequest(
            memberId: request.memberId, groupInstanceId: request.groupInstanceId, clientId: context.clientId ?? "",
            clientHost: "/" + Self.host(of: context.peer), sessionTimeoutMs: request.sessionTimeoutMs,
            rebalanceTimeoutMs: context.apiVersion == 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
            protocolType: request.protocolType,
            protocols: request.protocols.map { MemberProtocol(name: $0.name, metadata: $0.metadata) },
            requireKnownMemberId: context.apiVersion >= 4)
        let groups = broker.groups
        let group = request.groupId.rawValue
        return .later {
            let result = await groups.join(group: group, join)
            var response = JoinGroupResponse()
            response.errorCode = result.error.rawValue
            response.generationId = result.generationId
            response.protocolType = result.protocolType
            response.protocolName = result.protocolName ?? (context.apiVersion >= 7 ? nil : "")
            response.leader = result.leader
            response.skipAssignment = result.skipAssignment
            response.memberId = result.memberId
            response.members = result.members.map { member in
                var entry = JoinGroupResponse.JoinGroupResponseMember()
                entry.memberId = member.memberId
                entry.groupInstanceId = member.groupInstanceId
                entry.metadata = member.metadata
                return entry
            }
            return response
        }
    }

    /// The host part of a peer address such as "127.0.0.1:50000" or "[::1]:50000".
    static func host(of peer: String) -> String {
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        return String(peer[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    }
}
