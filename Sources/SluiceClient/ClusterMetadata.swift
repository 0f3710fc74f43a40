import KafkaProtocol
import Logging
import NIOCore

/// What the client knows of one topic from the last Metadata answer.
public struct TopicMetadata: Sendable, Equatable {
    public var name: String
    public var topicId: KafkaUUID
    public var isInternal: Bool
    /// Leader broker id per partition index (-1 while no leader is known).
    public var leaders: [Int32: Int32]
    /// Number of partitions.
    public var partitionCount: Int { leaders.count }
}

/// The client's view of the cluster: brokers, topic leaders, group coordinators, and one
/// connection per broker. Answers NOT_LEADER_OR_FOLLOWER and friends by refreshing.
actor ClusterMetadata {
    let config: ClientConfig
    let logger: Logger
    private var brokers: [Int32: (host: String, port: Int)] = [:]
    private var connections: [Int32: Task<BrokerConnection, any Error>] = [:]
    private var bootstrapConnection: BrokerConnection?
    private var topics: [String: TopicMetadata] = [:]
    private var coordinators: [String: Int32] = [:]
    /// Cluster id and controller from the last Metadata answer.
    private(set) var clusterId: String?
    private(set) var controllerId: Int32 = -1

    init(config: ClientConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// A live connection to any broker: a known broker first, else a bootstrap server.
    func anyConnection() async throws -> BrokerConnection {
        if let id = brokers.keys.sorted().first, let connection = try? await connection(toNode: id) {
            return connection
        }
        if let bootstrapConnection, bootstrapConnection.isActive { return bootstrapConnection }
        for server in config.bootstrapServers {
            guard let (host, port) = parseHostPort(server) else { continue }
            if let connection = try? await BrokerConnection.connect(
                host: host, port: port, clientId: config.clientId, timeout: config.connectTimeout.timeAmount,
                logger: logger)
            {
                bootstrapConnection = connection
                return connection
            }
        }
        throw KafkaClientError.noBrokerReachable(config.bootstrapServers)
    }

    /// The connection to broker `node`, opened on first use and reopened after it closed.
    func connection(toNode node: Int32) async throws -> BrokerConnection {
        if let task = connections[node], let connection = try? await task.value, connection.isActive {
            return connection
        }
        guard let address = brokers[node] else {
            throw KafkaClientError.broker(.brokerNotAvailable, context: "broker \(node)")
        }
        let config = self.config
        let logger = self.logger
        let task = Task {
            try await BrokerConnection.connect(
                host: address.host, port: address.port, clientId: config.clientId,
                timeout: config.connectTimeout.timeAmount, logger: logger)
        }
        connections[node] = task
        do {
            return try await task.value
        } catch {
            connections[node] = nil
            throw error
        }
    }

    /// Asks for metadata of `topics` (nil: all topics) and records the answer.
    @discardableResult
    func refresh(topics names: [String]?, autoCreate: Bool = false) async throws -> MetadataResponse {
        let connection = try await anyConnection()
        var request = MetadataRequest()
        request.allowAutoTopicCreation = autoCreate
        request.topics = names.map {
            $0.map { name in
                var topic = MetadataRequest.MetadataRequestTopic()
                topic.name = TopicName(name)
                return topic
            }
        }
        let answer = try await connection.send(request, timeout: config.requestTimeout.timeAmount)
        record(answer)
        return answer
    }

    private func record(_ answer: MetadataResponse) {
        for broker in answer.brokers {
            let address = (broker.host, Int(broker.port))
            if let old = brokers[broker.nodeId.rawValue], old != address { connections[broker.nodeId.rawValue] = nil }
            brokers[broker.nodeId.rawValue] = address
        }
        clusterId = answer.clusterId
        controllerId = answer.controllerId.rawValue
        for topic in answer.topics {
            guard let name = topic.name?.rawValue else { continue }
            guard topic.errorCode == 0 else {
                topics[name] = nil
                continue
            }
            var leaders: [Int32: Int32] = [:]
            for partition in topic.partitions { leaders[partition.partitionIndex] = partition.leaderId.rawValue }
            topics[name] = TopicMetadata(
                name: name, topicId: topic.topicId, isInternal: topic.isInternal, leaders: leaders)
        }
    }

    /// The topic's metadata, fetched when not known yet. With `autoCreate` the broker may create it.
    func topic(_ name: String, autoCreate: Bool = false) async throws -> TopicMetadata {
        if let known = topics[name] { return known }
        let answer = try await refresh(topics: [name], autoCreate: autoCreate)
        if let known = topics[name] { return known }
        let code = answer.topics.first { $0.name?.rawValue == name }.map { ErrorCode($0.errorCode) }
        throw KafkaClientError.broker(code ?? .unknownTopicOrPartition, context: "topic \(name)")
    }

    /// Forgets what is known of `name` so the next use asks again (after NOT_LEADER_OR_FOLLOWER,
    /// UNKNOWN_TOPIC_OR_PARTITION, a connection loss…).
    func invalidate(topic name: String) {
        topics[name] = nil
    }

    /// Topics known from the last answers.
    var knownTopics: [String: TopicMetadata] { topics }

    /// The connection to the leader of `partition`.
    func leaderConnection(for partition: TopicPartition) async throws -> (node: Int32, connection: BrokerConnection) {
        let topic = try await topic(partition.topic)
        guard let leader = topic.leaders[partition.partition], leader >= 0 else {
            invalidate(topic: partition.topic)
            throw KafkaClientError.broker(.leaderNotAvailable, context: "\(partition)")
        }
        return (leader, try await connection(toNode: leader))
    }

    /// The leader broker id of `partition`.
    func leader(for partition: TopicPartition) async throws -> Int32 {
        let topic = try await topic(partition.topic)
        guard let leader = topic.leaders[partition.partition], leader >= 0 else {
            invalidate(topic: partition.topic)
            throw KafkaClientError.broker(.leaderNotAvailable, context: "\(partition)")
        }
        return leader
    }

    /// `partitions` grouped by the broker id of their leaders, for one request per leader.
    func byLeader(_ partitions: some Sequence<TopicPartition>) async throws -> [Int32: [TopicPartition]] {
        var grouped: [Int32: [TopicPartition]] = [:]
        for partition in partitions { grouped[try await leader(for: partition), default: []].append(partition) }
        return grouped
    }

    /// The connection to the coordinator of group `group` (keyType 0) found with FindCoordinator.
    func coordinator(forGroup group: String) async throws -> BrokerConnection {
        if let node = coordinators[group], let connection = try? await connection(toNode: node) {
            return connection
        }
        let connection = try await anyConnection()
        var request = FindCoordinatorRequest()
        request.key = group
        request.keyType = 0
        let answer = try await connection.send(request, timeout: config.requestTimeout.timeAmount)
        guard answer.errorCode == 0 else {
            throw KafkaClientError.broker(ErrorCode(answer.errorCode), context: "FindCoordinator \(group)")
        }
        brokers[answer.nodeId.rawValue] = (answer.host, Int(answer.port))
        coordinators[group] = answer.nodeId.rawValue
        return try await self.connection(toNode: answer.nodeId.rawValue)
    }

    /// Forgets the coordinator of `group` (after NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE).
    func invalidate(coordinatorOf group: String) {
        coordinators[group] = nil
    }

    /// Closes every connection.
    func close() async {
        for task in connections.values { await (try? task.value)?.close() }
        connections = [:]
        await bootstrapConnection?.close()
        bootstrapConnection = nil
    }
}
