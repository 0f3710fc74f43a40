import KafkaProtocol
import SluiceCoordinator

// ConsumerGroupDescribe (key 69), version 0: members of consumer-protocol groups with their
// current and target assignments. A group without consumer-protocol members is GROUP_ID_NOT_FOUND.
struct ConsumerGroupDescribeHandler: KafkaHandler {
    typealias Request = ConsumerGroupDescribeRequest
    static let versions: ClosedRange<Int16> = 0...0

    let broker: BrokerServices

    func handle(_ request: ConsumerGroupDescribeRequest, context: RequestContext) throws -> HandlerReply<
        ConsumerGroupDescribeResponse
    > {
        var response = ConsumerGroupDescribeResponse()
        response.groups = .describing(
            request.groupIds, lookup: { broker.groups.consumerGroups.describe(group: $0) },
            missing: { described in
                described.errorCode = ErrorCode.groupIdNotFound.rawValue
                described.errorMessage = "Group \(described.groupId.rawValue) not found."
            },
            fill: { described, group in
                described.groupState = group.stateName
                described.groupEpoch = group.groupEpoch
                described.assignmentEpoch = group.assignmentEpoch
                described.assignorName = group.assignorName
                described.members = group.members.values.sorted { $0.memberId < $1.memberId }.map { member in
                    var entry = ConsumerGroupDescribeResponse.Member()
                    entry.memberId = member.memberId
                    entry.instanceId = member.instanceId
                    entry.rackId = member.rackId
                    entry.memberEpoch = member.memberEpoch
                    entry.clientId = member.clientId
                    entry.clientHost = member.clientHost
                    entry.subscribedTopicNames = member.subscribedTopicNames.map { TopicName($0) }
                    entry.subscribedTopicRegex = member.subscribedTopicRegex
                    entry.assignment = wire(member.assigned)
                    entry.targetAssignment = wire(group.target[member.memberId] ?? [])
                    return entry
                }
            })
        return .now(response)
    }

    private func wire(_ partitions: Set<TopicPartition>) -> ConsumerGroupDescribeResponse.Assignment {
        var assignment = ConsumerGroupDescribeResponse.Assignment()
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        assignment.topicPartitions = byTopic.keys.sorted().compactMap { name in
            guard let id = broker.topics.topicId(name) else { return nil }
            var entry = ConsumerGroupDescribeResponse.TopicPartitions()
            entry.topicId = id
            entry.topicName = TopicName(name)
            entry.partitions = (byTopic[name] ?? []).map(\.partition).sorted()
            return entry
        }
        return assignment
    }
}
