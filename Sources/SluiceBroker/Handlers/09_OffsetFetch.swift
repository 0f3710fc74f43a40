import KafkaProtocol
import SluiceCoordinator

// OffsetFetch (key 9), versions 0–9 (v0 read ZooKeeper in Kafka; here it reads the same offsets as v1). Up to v7 one group per request; from v8 many. A partition
// without a committed offset answers offset -1. Null topics (v2+) asks for every committed offset.
struct OffsetFetchHandler: KafkaHandler {
    typealias Request = OffsetFetchRequest
    static let versions: ClosedRange<Int16> = 0...9

    let broker: BrokerServices

    func handle(_ request: OffsetFetchRequest, context: RequestContext) throws -> HandlerReply<OffsetFetchResponse> {
        var response = OffsetFetchResponse()
        if context.apiVersion >= 8 {
            response.groups = request.groups.map { group in
                var result = OffsetFetchResponse.OffsetFetchResponseGroup()
                result.groupId = group.groupId
                let partitions = group.topics.map { topics in
                    topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic.name.rawValue, $0) } }
                }
                let (error, offsets) = fetch(group.groupId.rawValue, partitions)
                result.errorCode = error.rawValue
                result.topics = grouped(offsets).map { name, entries in
                    var topic = OffsetFetchResponse.OffsetFetchResponseTopics()
                    topic.name = TopicName(name)
                    topic.partitions = entries.map { partition, committed in
                        var entry = OffsetFetchResponse.OffsetFetchResponsePartitions()
                        entry.partitionIndex = partition
                        entry.committedOffset = committed?.offset ?? -1
                        entry.committedLeaderEpoch = committed?.leaderEpoch ?? -1
                        entry.metadata = committed?.metadata ?? ""
                        return entry
                    }
                    return topic
                }
                return result
            }
            return .now(response)
        }
        let partitions = request.topics.map { topics in
            topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic.name.rawValue, $0) } }
        }
        let (error, offsets) = fetch(request.groupId.rawValue, partitions)
        response.errorCode = error.rawValue
        response.topics = grouped(offsets).map { name, entries in
            var topic = OffsetFetchResponse.OffsetFetchResponseTopic()
            topic.name = TopicName(name)
            topic.partitions = entries.map { partition, committed in
                var entry = OffsetFetchResponse.OffsetFetchResponsePartition()
                entry.partitionIndex = partition
                entry.committedOffset = committed?.offset ?? -1
                entry.committedLeaderEpoch = committed?.leaderEpoch ?? -1
                entry.metadata = committed?.metadata ?? ""
                if error != .none { entry.errorCode = error.rawValue }
                return entry
            }
            return topic
        }
        return .now(response)
    }

    private func fetch(_ group: String, _ partitions: [TopicPartition]?) -> (
        ErrorCode, [(TopicPartition, CommittedOffset?)]
    ) {
        guard !group.isEmpty else {
            return (.invalidGroupId, (partitions ?? []).map { ($0, nil) })
        }
        return (.none, broker.groups.fetchOffsets(group: group, partitions))
    }

    /// Offsets grouped by topic, topics in the order they first appear.
    private func grouped(_ offsets: [(TopicPartition, CommittedOffset?)]) -> [(String, [(Int32, CommittedOffset?)])] {
        var order: [String] = []
        var byTopic: [String: [(Int32, CommittedOffset?)]] = [:]
        for (partition, committed) in offsets {
            if byTopic[partition.topic] == nil { order.append(partition.topic) }
            byTopic[partition.topic, default: []].append((partition.partition, committed))
        }
        return order.map { ($0, byTopic[$0] ?? []) }
    }
}
