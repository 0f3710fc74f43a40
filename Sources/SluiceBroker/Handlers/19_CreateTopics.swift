import KafkaProtocol

// CreateTopics (key 19), versions 0–7 (validate_only from v1). Partitions and replication factor of -1 take the broker
// defaults; on a single node the replication factor must be 1 (INVALID_REPLICATION_FACTOR
// otherwise), and manual assignments may only name this node. validate_only checks everything
// and creates nothing. From v5 the result carries the partition count, factor and configs.
struct CreateTopicsHandler: KafkaHandler {
    typealias Request = CreateTopicsRequest
    static let versions: ClosedRange<Int16> = 0...7

    let broker: BrokerServices

    func handle(_ request: CreateTopicsRequest, context: RequestContext) throws -> HandlerReply<CreateTopicsResponse> {
        var response = CreateTopicsResponse()
        var seen: [String: Int] = [:]
        for topic in request.topics { seen[topic.name.rawValue, default: 0] += 1 }
        for topic in request.topics {
            var result = CreateTopicsResponse.CreatableTopicResult()
            result.name = topic.name
            do {
                if seen[topic.name.rawValue, default: 0] > 1 {
                    throw KafkaFailure(.invalidRequest, "topic '\(topic.name.rawValue)' appears more than once")
                }
                let (partitions, factor) = try layout(of: topic)
                var configs: [String: String] = [:]
                for config in topic.configs {
                    if let value = config.value { configs[config.name] = value }
                }
                let created = try broker.topics.create(
                    name: topic.name.rawValue, partitions: partitions, replicationFactor: factor,
                    configs: configs, validateOnly: request.validateOnly)
                result.topicId = request.validateOnly ? .zero : created.id
                result.numPartitions = created.partitionCount
                result.replicationFactor = 1
                result.configs = describeConfigs(created.configs)
            } catch {
                let failure = KafkaFailure.from(error)
                result.errorCode = failure.code.rawValue
                result.errorMessage = failure.message
            }
            response.topics.append(result)
        }
        return .now(response)
    }

    /// Partition count and replication factor, from the explicit numbers or the manual assignment.
    private func layout(of topic: CreateTopicsRequest.CreatableTopic) throws(KafkaFailure) -> (Int32, Int16) {
        guard !topic.assignments.isEmpty else { return (topic.numPartitions, topic.replicationFactor) }
        guard topic.numPartitions == -1, topic.replicationFactor == -1 else {
            throw KafkaFailure(.invalidRequest, "give either a manual assignment or partitions and replication factor")
        }
        for assignment in topic.assignments where assignment.brokerIds.map(\.rawValue) != [broker.nodeId] {
            throw KafkaFailure(
                .invalidReplicaAssignment,
                "partition \(assignment.partitionIndex) may only be placed on node \(broker.nodeId)")
        }
        let indexes = topic.assignments.map(\.partitionIndex).sorted()
        guard indexes == Array(0..<Int32(indexes.count)) else {
            throw KafkaFailure(.invalidReplicaAssignment, "partition indexes must be 0..<count")
        }
        return (Int32(indexes.count), 1)
    }

    private func describeConfigs(_ overrides: [String: String]) -> [CreateTopicsResponse.CreatableTopicConfigs] {
        let resolver = broker.topics.resolver
        return ConfigCatalog.topic.map { definition in
            let resolved = resolver.topic(definition, overrides: overrides)
            var config = CreateTopicsResponse.CreatableTopicConfigs()
            config.name = definition.name
            config.value = resolved.value
            config.readOnly = false
            config.configSource = resolved.source.rawValue
            config.isSensitive = false
            return config
        }
    }
}
