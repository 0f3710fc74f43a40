import KafkaProtocol
import SluiceCoordinator

// ConsumerGroupHeartbeat (key 68), versions 0–1: the new consumer group protocol (KIP-848). The
// coordinator assigns partitions itself; each heartbeat answers at once with the member's epoch
// and, when it changed, its assignment (by topic id). A group id that has classic members is
// GROUP_ID_NOT_FOUND here, as Kafka answers when the group is not a consumer group.
struct ConsumerGroupHeartbeatHandler: KafkaHandler {
    typealias Request = ConsumerGroupHeartbeatRequest
    static let versions: ClosedRange<Int16> = 0...1

    let broker: BrokerServices

    func handle(_ request: ConsumerGroupHeartbeatRequest, context: RequestContext) throws -> HandlerReply<
        ConsumerGroupHeartbeatResponse
    > {
        var response = ConsumerGroupHeartbeatResponse()
        let service = broker.groups.consumerGroups
        response.heartbeatIntervalMs = service.heartbeatIntervalMs
        response.memberEpoch = request.memberEpoch
        response.memberId = request.memberId
        if let problem = Self.malformation(of: request, version: context.apiVersion) {
            response.errorCode = ErrorCode.invalidRequest.rawValue
            response.errorMessage = problem
            return .now(response)
        }
        let group = request.groupId.rawValue
        if let classic = broker.groups.snapshot(group: group), !classic.members.isEmpty {
            response.errorCode = ErrorCode.groupIdNotFound.rawValue
            response.errorMessage = "group '\(group)' is a classic group with members"
            return .now(response)
        }
        let owned = request.topicPartitions.map { topics in
            Set(
                topics.flatMap { topic -> [TopicPartition] in
                    // Partitions of a topic that no longer exists are owned by nobody.
                    guard let name = broker.topics.topicName(id: topic.topicId) else { return [] }
                    return topic.partitions.map { TopicPartition(name, $0) }
                })
        }
        let heartbeat = ConsumerHeartbeat(
            memberId: request.memberId, memberEpoch: request.memberEpoch, instanceId: request.instanceId,
            rackId: request.rackId, clientId: context.clientId ?? "",
            clientHost: "/" + JoinGroupHandler.host(of: context.peer), rebalanceTimeoutMs: request.rebalanceTimeoutMs,
            subscribedTopicNames: request.subscribedTopicNames?.map(\.rawValue),
            subscribedTopicRegex: request.subscribedTopicRegex, serverAssignor: request.serverAssignor,
            ownedPartitions: owned)
        let result = service.heartbeat(group: group, heartbeat)
        response.errorCode = result.error.rawValue
        response.errorMessage = result.message
        response.memberId = result.memberId
        response.memberEpoch = result.memberEpoch
        if let assignment = result.assignment {
            var wire = ConsumerGroupHeartbeatResponse.Assignment()
            let byTopic = Dictionary(grouping: assignment, by: \.topic)
            wire.topicPartitions = byTopic.keys.sorted().compactMap { name in
                guard let id = broker.topics.topicId(name) else { return nil }
                var entry = ConsumerGroupHeartbeatResponse.TopicPartitions()
                entry.topicId = id
                entry.partitions = (byTopic[name] ?? []).map(\.partition).sorted()
                return entry
            }
            response.assignment = wire
        }
        return .now(response)
    }

    /// Why a heartbeat is malformed (Kafka's checks), or nil.
    static func malformation(of request: ConsumerGroupHeartbeatRequest, version: Int16) -> String? {
        if request.groupId.rawValue.isEmpty { return "GroupId can't be empty." }
        if request.instanceId?.isEmpty == true { return "InstanceId can't be empty." }
        if request.rackId?.isEmpty == true { return "RackId can't be empty." }
        switch request.memberEpoch {
        case 0:
            if request.rebalanceTimeoutMs == -1 { return "RebalanceTimeoutMs must be provided in first request." }
            if request.topicPartitions?.isEmpty != true {
                return "TopicPartitions must be empty when (re-)joining."
            }
            if request.subscribedTopicNames == nil && request.subscribedTopicRegex == nil {
                return "SubscribedTopicNames or SubscribedTopicRegex must be set in first request."
            }
        case -2:
            if request.instanceId == nil { return "InstanceId can't be null." }
        case -1, 1...:
            if request.memberId.isEmpty { return "MemberId can't be empty." }
        default:
            return "MemberEpoch is invalid."
        }
        return nil
    }
}
