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
                let (error, offsets) = fetch(group.groupId.rawValue, requested(group.topics))
                result.errorCode = error.rawValue
                result.topics = answer(offsets, partitionError: .none)
                return result
            }
            return .now(response)
        }
        let (error, offsets) = fetch(request.groupId.rawValue, requested(request.topics))
        response.errorCode = error.rawValue
        // v0 and v1 have no top-level error code: up to v7 every partition repeats the group's error.
        response.topics = answer(offsets, partitionError: error)
        return .now(response)
    }

    private func requested(_ topics: [some OffsetFetchRequestedTopic]?) -> [TopicPartition]? {
        topics.map { topics in
            topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic.name.rawValue, $0) } }
        }
    }

    private func fetch(_ group: String, _ partitions: [TopicPartition]?) -> (
        ErrorCode, [(TopicPartition, CommittedOffset?)]
    ) {
        guard !group.isEmpty else {
            return (.invalidGroupId, (partitions ?? []).map { ($0, nil) })
        }
        return (.none, broker.groups.fetchOffsets(group: group, partitions))
    }

    /// The response topics, in either shape, in the order their topics first appear in `offsets`.
    private func answer<Topic: OffsetFetchAnsweredTopic>(
        _ offsets: [(TopicPartition, CommittedOffset?)], partitionError: ErrorCode
    ) -> [Topic] {
        grouped(offsets).map { name, entries in
            var topic = Topic()
            topic.name = TopicName(name)
            topic.partitions = entries.map { partition, committed in
                var entry = Topic.Partition()
                entry.partitionIndex = partition
                entry.committedOffset = committed?.offset ?? -1
                entry.committedLeaderEpoch = committed?.leaderEpoch ?? -1
                entry.metadata = committed?.metadata ?? ""
                entry.errorCode = partitionError.rawValue
                return entry
            }
            return topic
        }
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

// The single-group (v0–v7) and groups-array (v8+) shapes carry the same topics and partitions as
// distinct generated types; these conformances let one builder read and fill both.

protocol OffsetFetchRequestedTopic {
    var name: TopicName { get }
    var partitionIndexes: [Int32] { get }
}

extension OffsetFetchRequest.OffsetFetchRequestTopic: OffsetFetchRequestedTopic {}
extension OffsetFetchRequest.OffsetFetchRequestTopics: OffsetFetchRequestedTopic {}

protocol OffsetFetchAnsweredPartition {
    init()
    var partitionIndex: Int32 { get set }
    var committedOffset: Int64 { get set }
    var committedLeaderEpoch: Int32 { get set }
    var metadata: String? { get set }
    var errorCode: Int16 { get set }
}

protocol OffsetFetchAnsweredTopic {
    associatedtype Partition: OffsetFetchAnsweredPartition
    init()
    var name: TopicName { get set }
    var partitions: [Partition] { get set }
}

extension OffsetFetchResponse.OffsetFetchResponsePartition: OffsetFetchAnsweredPartition {}
extension OffsetFetchResponse.OffsetFetchResponsePartitions: OffsetFetchAnsweredPartition {}
extension OffsetFetchResponse.OffsetFetchResponseTopic: OffsetFetchAnsweredTopic {}
extension OffsetFetchResponse.OffsetFetchResponseTopics: OffsetFetchAnsweredTopic {}
