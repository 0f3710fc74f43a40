import KafkaProtocol
import Logging

/// A topic as `describeTopics` and `listTopics` report it.
public struct TopicDescription: Sendable, Equatable {
    public var name: String
    /// The topic id as Kafka prints it (base64url, no padding).
    public var topicId: String
    public var isInternal: Bool
    public var partitions: [PartitionDescription]
}

/// One partition's leader and replicas.
public struct PartitionDescription: Sendable, Equatable {
    public var partition: Int32
    public var leader: Int32
    public var replicas: [Int32]
    public var isr: [Int32]
}

/// The cluster: its id, controller and brokers.
public struct ClusterDescription: Sendable, Equatable {
    public struct Broker: Sendable, Equatable {
        public var id: Int32
        public var host: String
        public var port: Int32
        public var rack: String?
    }
    public var clusterId: String?
    public var controllerId: Int32
    public var brokers: [Broker]
}

/// Administrative operations: topics, partitions, configs, consumer groups, offsets.
///
/// Every call talks to the cluster directly and throws `KafkaClientError.broker` with the
/// broker's error code when it refuses (e.g. TOPIC_ALREADY_EXISTS).
public final class Admin: Sendable {
    let config: ClientConfig
    let logger: Logger
    let cluster: ClusterMetadata

    public init(config: ClientConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        self.cluster = ClusterMetadata(config: config, logger: logger)
    }

    /// Closes the admin client's connections.
    public func close() async {
        await cluster.close()
    }

    var timeoutMs: Int32 { Int32(clamping: config.requestTimeout.milliseconds) }

    /// Sends to the controller (any broker when none is known yet).
    func controllerConnection() async throws -> BrokerConnection {
        if await cluster.controllerId < 0 { try await cluster.refresh(topics: []) }
        let controller = await cluster.controllerId
        if controller >= 0, let connection = try? await cluster.connection(toNode: controller) { return connection }
        return try await cluster.anyConnection()
    }

    /// The cluster id, controller and brokers.
    public func describeCluster() async throws -> ClusterDescription {
        let answer = try await cluster.refresh(topics: [])
        return ClusterDescription(
            clusterId: answer.clusterId, controllerId: answer.controllerId.rawValue,
            brokers: answer.brokers.map {
                ClusterDescription.Broker(id: $0.nodeId.rawValue, host: $0.host, port: $0.port, rack: $0.rack)
            }.sorted { $0.id < $1.id })
    }

    /// Creates a topic. `partitions` and `replicationFactor` of -1 take the broker's defaults;
    /// `configs` are topic configs by Kafka name (`retention.ms`, `cleanup.policy`, …).
    public func createTopic(
        _ name: String, partitions: Int32 = -1, replicationFactor: Int16 = -1, configs: [String: String] = [:]
    ) async throws {
        var topic = CreateTopicsRequest.CreatableTopic()
        topic.name = TopicName(name)
        topic.numPartitions = partitions
        topic.replicationFactor = replicationFactor
        topic.configs = configs.sorted { $0.key < $1.key }.map {
            var entry = CreateTopicsRequest.CreatableTopicConfig()
            entry.name = $0.key
            entry.value = $0.value
            return entry
        }
        var request = CreateTopicsRequest()
        request.topics = [topic]
        request.timeoutMs = timeoutMs
        let answer = try await controllerConnection().send(request, timeout: config.requestTimeout.timeAmount)
        try Self.check(answer.topics.first.map { ($0.errorCode, $0.errorMessage) }, "create topic \(name)")
        await cluster.invalidate(topic: name)
    }

    /// Deletes a topic and its data.
    public func deleteTopic(_ name: String) async throws {
        var request = DeleteTopicsRequest()
        var state = DeleteTopicsRequest.DeleteTopicState()
        state.name = TopicName(name)
        request.topics = [state]
        request.topicNames = [TopicName(name)]
        request.timeoutMs = timeoutMs
        let answer = try await controllerConnection().send(request, timeout: config.requestTimeout.timeAmount)
        try Self.check(answer.responses.first.map { ($0.errorCode, $0.errorMessage) }, "delete topic \(name)")
        await cluster.invalidate(topic: name)
    }

    /// Grows `topic` to `totalCount` partitions.
    public func createPartitions(_ topic: String, totalCount: Int32) async throws {
        var entry = CreatePartitionsRequest.CreatePartitionsTopic()
        entry.name = TopicName(topic)
        entry.count = totalCount
        entry.assignments = nil
        var request = CreatePartitionsRequest()
        request.topics = [entry]
        request.timeoutMs = timeoutMs
        let answer = try await controllerConnection().send(request, timeout: config.requestTimeout.timeAmount)
        try Self.check(answer.results.first.map { ($0.errorCode, $0.errorMessage) }, "create partitions of \(topic)")
        await cluster.invalidate(topic: topic)
    }

    /// Every topic, sorted by name (internal ones such as `__consumer_offsets` only when asked).
    public func listTopics(includeInternal: Bool = false) async throws -> [TopicDescription] {
        let answer = try await cluster.refresh(topics: nil)
        return answer.topics.compactMap(Self.description).filter { includeInternal || !$0.isInternal }
            .sorted { $0.name < $1.name }
    }

    /// Describes the named topics; a missing one throws UNKNOWN_TOPIC_OR_PARTITION.
    public func describeTopics(_ names: [String]) async throws -> [TopicDescription] {
        let answer = try await cluster.refresh(topics: names)
        return try names.map { name in
            guard let topic = answer.topics.first(where: { $0.name?.rawValue == name }) else {
                throw KafkaClientError.broker(.unknownTopicOrPartition, context: "topic \(name)")
            }
            try Self.check((topic.errorCode, nil), "topic \(name)")
            return Self.description(topic)!
        }
    }

    /// Offsets of every partition of `topic` for `spec` (earliest, latest, at a time).
    public func listOffsets(topic: String, spec: OffsetSpec) async throws -> [Int32: Int64] {
        let metadata = try await cluster.topic(topic)
        let partitions = metadata.leaders.keys.map { TopicPartition(topic, $0) }
        let offsets = try await cluster.listOffsets(partitions, spec: spec)
        return Dictionary(uniqueKeysWithValues: offsets.map { ($0.key.partition, $0.value.offset) })
    }

    private static func description(_ topic: MetadataResponse.MetadataResponseTopic) -> TopicDescription? {
        guard let name = topic.name?.rawValue, topic.errorCode == 0 else { return nil }
        return TopicDescription(
            name: name, topicId: topic.topicId.kafkaString, isInternal: topic.isInternal,
            partitions: topic.partitions.map {
                PartitionDescription(
                    partition: $0.partitionIndex, leader: $0.leaderId.rawValue,
                    replicas: $0.replicaNodes.map(\.rawValue), isr: $0.isrNodes.map(\.rawValue))
            }.sorted { $0.partition < $1.partition })
    }

    /// Throws the broker's error for a per-resource result (a missing result is an error too).
    static func check(_ result: (Int16, String?)?, _ context: String) throws {
        guard let (code, message) = result else { throw KafkaClientError.malformedResponse("no result for \(context)") }
        guard code == 0 else {
            throw KafkaClientError.broker(ErrorCode(code), context: message.map { "\(context): \($0)" } ?? context)
        }
    }
}

extension KafkaUUID {
    /// Kafka's printed form: URL-safe base64 of the 16 bytes, without padding.
    var kafkaString: String {
        var bytes: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift)))
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var text = ""
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value: UInt32 = 0
            for (position, byte) in chunk.enumerated() { value |= UInt32(byte) << UInt32(16 - 8 * position) }
            for position in 0..<(chunk.count + 1) {
                text.append(alphabet[Int((value >> UInt32(18 - 6 * position)) & 63)])
            }
            index += 3
        }
        return text
    }
}
