import KafkaProtocol
import NIOCore

// DescribeGroups (key 15), versions 0–5. An unknown group is described as Dead with no error, as
// Kafka does for classic groups. Member metadata and assignments are shown once the group is Stable.
struct DescribeGroupsHandler: KafkaHandler {
    typealias Request = DescribeGroupsRequest
    static let versions: ClosedRange<Int16> = 0...5

    let broker: BrokerServices

    func handle(_ request: DescribeGroupsRequest, context: RequestContext) throws -> HandlerReply<
        DescribeGroupsResponse
    > {
        var response = DescribeGroupsResponse()
        response.groups = .describing(
            request.groups, lookup: { broker.groups.snapshot(group: $0) },
            missing: { $0.groupState = "Dead" },
            fill: { described, group in
                let stable = group.state == .stable
                described.groupState = group.state.rawValue
                described.protocolType = group.protocolType ?? ""
                described.protocolData = stable ? group.protocolName ?? "" : ""
                described.members = group.orderedMembers.map { member in
                    var entry = DescribeGroupsResponse.DescribedGroupMember()
                    entry.memberId = member.memberId
                    entry.groupInstanceId = member.groupInstanceId
                    entry.clientId = member.clientId
                    entry.clientHost = member.clientHost
                    entry.memberMetadata = stable ? member.metadata(for: group.protocolName) : ByteBuffer()
                    entry.memberAssignment = stable ? member.assignment : ByteBuffer()
                    return entry
                }
            })
        return .now(response)
    }
}
