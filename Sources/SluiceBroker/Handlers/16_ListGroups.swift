import KafkaProtocol

// ListGroups (key 16), versions 0–5. Every group is a classic group; v4 filters by state and v5 by
// type (case-insensitively, as Kafka does).
struct ListGroupsHandler: KafkaHandler {
    typealias Request = ListGroupsRequest
    static let versions: ClosedRange<Int16> = 0...5

    let broker: BrokerServices

    func handle(_ request: ListGroupsRequest, context: RequestContext) throws -> HandlerReply<ListGroupsResponse> {
        let states = Set(request.statesFilter.map { $0.lowercased() })
        let types = Set(request.typesFilter.map { $0.lowercased() })
        var response = ListGroupsResponse()
        response.groups = broker.groups.allGroups().compactMap { group in
            if !states.isEmpty && !states.contains(group.state.rawValue.lowercased()) { return nil }
            if !types.isEmpty && !types.contains("classic") { return nil }
            var listed = ListGroupsResponse.ListedGroup()
            listed.groupId = GroupId(group.groupId)
            listed.protocolType = group.protocolType ?? ""
            listed.groupState = group.state.rawValue
            listed.groupType = "classic"
            return listed
        }
        return .now(response)
    }
}
