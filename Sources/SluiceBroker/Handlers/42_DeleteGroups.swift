import KafkaProtocol

// DeleteGroups (key 42), versions 0–2. Only a group with no members can be deleted
// (NON_EMPTY_GROUP otherwise); its offsets and metadata are tombstoned and fsynced first.
struct DeleteGroupsHandler: KafkaHandler {
    typealias Request = DeleteGroupsRequest
    static let versions: ClosedRange<Int16> = 0...2

    let broker: BrokerServices

    func handle(_ request: DeleteGroupsRequest, context: RequestContext) throws -> HandlerReply<DeleteGroupsResponse> {
        let groups = broker.groups
        return .later {
            var response = DeleteGroupsResponse()
            for id in request.groupsNames {
                var result = DeleteGroupsResponse.DeletableGroupResult()
                result.groupId = id
                result.errorCode =
                    id.rawValue.isEmpty
                    ? ErrorCode.invalidGroupId.rawValue : await groups.delete(group: id.rawValue).rawValue
                response.results.append(result)
            }
            return response
        }
    }
}
