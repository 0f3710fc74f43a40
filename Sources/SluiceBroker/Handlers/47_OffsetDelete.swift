import KafkaProtocol
import SluiceCoordinator

// OffsetDelete (key 47), version 0. Removes committed offsets of topics the group's members are
// not subscribed to (GROUP_SUBSCRIBED_TO_TOPIC for those they are).
struct OffsetDeleteHandler: KafkaHandler {
    typealias Request = OffsetDeleteRequest
    static let versions: ClosedRange<Int16> = 0...0

    let broker: BrokerServices

    func handle(_ request: OffsetDeleteRequest, context: RequestContext) throws -> HandlerReply<OffsetDeleteResponse> {
        guard !request.groupId.rawValue.isEmpty else {
            var response = OffsetDeleteResponse()
            response.errorCode = ErrorCode.invalidGroupId.rawValue
            return .now(response)
        }
        let groups = broker.groups
        let partitions = request.topics.flatMap { topic in
            topic.partitions.map { TopicPartition(topic.name.rawValue, $0.partitionIndex) }
        }
        return .later {
            let (error, perPartition) = await groups.deleteOffsets(group: request.groupId.rawValue, partitions)
            var response = OffsetDeleteResponse()
            response.errorCode = error.rawValue
            guard error == .none else { return response }
            response.topics = request.topics.map { topic in
                var result = OffsetDeleteResponse.OffsetDeleteResponseTopic()
                result.name = topic.name
                result.partitions = topic.partitions.map { partition in
                    var entry = OffsetDeleteResponse.OffsetDeleteResponsePartition()
                    entry.partitionIndex = partition.partitionIndex
                    let key = TopicPartition(topic.name.rawValue, partition.partitionIndex)
                    entry.errorCode = (perPartition[key] ?? .none).rawValue
                    return entry
                }
                return result
            }
            return response
        }
    }
}
