import KafkaProtocol

// CreatePartitions (key 37), versions 0–3. Raises a topic's partition count; assignments, when
// given, may only name this node. validate_only checks and changes nothing.
struct CreatePartitionsHandler: KafkaHandler {
    typealias Request = CreatePartitionsRequest
    static let versions: ClosedRange<Int16> = 0...3

    let broker: BrokerServices

    func handle(_ request: CreatePartitionsRequest, context: RequestContext) throws -> HandlerReply<
        CreatePartitionsResponse
    > {
        var response = CreatePartitionsResponse()
        response.results = request.topics.map { topic in
            var result = CreatePartitionsResponse.CreatePartitionsTopicResult()
            result.name = topic.name
            do {
                for assignment in topic.assignments ?? [] where assignment.brokerIds.map(\.rawValue) != [broker.nodeId]
                {
                    throw KafkaFailure(
                        .invalidReplicaAssignment, "new partitions may only be placed on node \(broker.nodeId)")
                }
                try broker.topics.addPartitions(
                    name: topic.name.rawValue, count: topic.count, validateOnly: request.validateOnly)
            } catch {
                let failure = KafkaFailure.from(error)
                result.errorCode = failure.code.rawValue
                result.errorMessage = failure.message
            }
            return result
        }
        return .now(response)
    }
}
