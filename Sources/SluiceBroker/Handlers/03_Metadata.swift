import KafkaProtocol
import KafkaWire

// Metadata (key 3), versions 0–13. This node is the only broker, the controller, and the leader
// (epoch 0) of every partition, with itself as the only replica and in-sync replica.
// Topics named in the request that do not exist are created when the request allows it (v4+) and
// auto.create.topics.enable is on; topics can also be asked for by id (v10+).
struct MetadataHandler: KafkaHandler {
    typealias Request = MetadataRequest
    static let versions: ClosedRange<Int16> = 0...13

    let broker: BrokerServices

    func handle(_ request: MetadataRequest, context: RequestContext) throws -> HandlerReply<MetadataResponse> {
        var response = MetadataResponse()
        let (host, port) = broker.advertised
        var node = MetadataResponse.MetadataResponseBroker()
        node.nodeId = BrokerId(broker.nodeId)
        node.host = host
        node.port = Int32(port)
        response.brokers = [node]
        response.clusterId = broker.store.current().clusterId
        response.controllerId = BrokerId(broker.nodeId)

        // v0 has no null: an empty list meant "all topics" there.
        let askedForAll = request.topics == nil || (context.apiVersion == 0 && request.topics?.isEmpty == true)
        if askedForAll {
            response.topics = broker.topics.allTopics().map(describe)
        } else {
            response.topics = (request.topics ?? []).map { asked in
                resolve(asked, allowAutoCreate: request.allowAutoTopicCreation)
            }
        }
        return .now(response)
    }

    private func resolve(_ asked: MetadataRequest.MetadataRequestTopic, allowAutoCreate: Bool)
        -> MetadataResponse.MetadataResponseTopic
    {
        var missing = MetadataResponse.MetadataResponseTopic()
        missing.name = asked.name
        missing.topicId = asked.topicId
        guard let name = asked.name?.rawValue else {
            if let name = broker.topics.topicName(id: asked.topicId), let topic = broker.topics.metadata(name) {
                return describe(topic)
            }
            missing.errorCode = ErrorCode.unknownTopicId.rawValue
            return missing
        }
        if let topic = broker.topics.metadata(name) { return describe(topic) }
        if TopicNameRules.problem(with: name) != nil {
            missing.errorCode = ErrorCode.invalidTopicException.rawValue
            return missing
        }
        if allowAutoCreate, let created = broker.topics.autoCreate(name) {
            switch created {
            case .success(let topic): return describe(topic)
            case .failure(let failure): missing.errorCode = failure.code.rawValue
            }
            return missing
        }
        missing.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
        return missing
    }

    private func describe(_ topic: TopicMetadata) -> MetadataResponse.MetadataResponseTopic {
        var result = MetadataResponse.MetadataResponseTopic()
        result.name = TopicName(topic.name)
        result.topicId = topic.id
        // Clients skip internal topics in regex subscriptions and listings.
        result.isInternal = TopicRegistry.internalTopics.contains(topic.name)
        let me = BrokerId(broker.nodeId)
        result.partitions = (0..<topic.partitionCount).map { index in
            var partition = MetadataResponse.MetadataResponsePartition()
            partition.partitionIndex = index
            partition.leaderId = me
            partition.leaderEpoch = 0
            partition.replicaNodes = [me]
            partition.isrNodes = [me]
            partition.offlineReplicas = []
            return partition
        }
        return result
    }
}
