import KafkaProtocol
import KafkaRecords
import KafkaWire
import Logging
import NIOConcurrencyHelpers
import SluiceStorage

/// A partition the broker leads, with what the hot path needs to know without a metadata look-up.
public struct PartitionHandle: Sendable {
    public let log: PartitionLog
    public let maxMessageBytes: Int
    /// The codec the topic's `compression.type` stores batches in; nil keeps the producer's.
    public let compression: CompressionCodec?
    /// `message.downconversion.enable`: whether Fetch v0-v3 clients get records down-converted to
    /// the old message formats (else UNSUPPORTED_VERSION, as Kafka answers).
    public var downConversionEnabled: Bool = true
}

/// Topics and their partition logs: keeps the metadata store and the logs on disk consistent, and
/// gives the produce and fetch paths a lock-cheap way to find a partition.
public final class TopicRegistry: Sendable {
    struct LiveTopic {
        var id: KafkaUUID
        var partitions: [PartitionHandle]
    }

    /// Open topics by name, and names by topic id (Fetch v13+ asks by id on every request).
    struct LiveTopics {
        var byName: [String: LiveTopic] = [:]
        var nameById: [KafkaUUID: String] = [:]
    }

    /// Topics the broker keeps for itself (coordinator state), flagged as internal in Metadata.
    static let internalTopics: Set<String> = ["__consumer_offsets", "__transaction_state"]

    let store: any MetadataStore
    let logs: LogManager
    let options: BrokerOptions
    let logger: Logger
    private let live = NIOLockedValueBox(LiveTopics())

    init(store: any MetadataStore, logs: LogManager, options: BrokerOptions, logger: Logger) {
        self.store = store
        self.logs = logs
        self.options = options
        self.logger = logger
    }

    public var resolver: ConfigResolver {
        ConfigResolver(nodeId: options.nodeId, staticBroker: options.staticConfigs, metadata: store.current())
    }

    /// Opens every partition of every known topic; removes logs of topics the metadata no longer has
    /// (a delete that crashed half-way), so a later topic of the same name starts empty.
    func load() throws {
        let metadata = store.current()
        let resolver = self.resolver
        let opened = try logs.loadExisting { topic, _ in
            resolver.logConfig(overrides: Self.effectiveOverrides(topic, metadata.topics[topic]?.configs ?? [:]))
        }
        let orphans = Set(opened.map(\.topic)).subtracting(metadata.topics.keys)
        for orphan in orphans.sorted() {
            logger.warning("removing logs of topic '\(orphan)', which the metadata no longer has")
            try logs.delete(topic: orphan)
        }
        for topic in metadata.topics.values {
            try openLogs(of: topic, resolver: resolver)
        }
        logger.info("loaded \(metadata.topics.count) topics, \(opened.count) partition logs")
    }

    /// A topic's overrides as its logs apply them: the internal topics are compacted (as Kafka
    /// creates them) even when their metadata predates compaction and says nothing.
    static func effectiveOverrides(_ name: String, _ configs: [String: String]) -> [String: String] {
        guard internalTopics.contains(name), configs["cleanup.policy"] == nil else { return configs }
        var configs = configs
        configs["cleanup.policy"] = "compact"
        return configs
    }

    private func openLogs(of topic: TopicMetadata, resolver: ConfigResolver) throws {
        let config = resolver.logConfig(overrides: Self.effectiveOverrides(topic.name, topic.configs))
        let maxBytes = resolver.maxMessageBytes(overrides: topic.configs)
        let compression = TopicCompression.codec(of: topic.configs, resolver: resolver)
        let downConversion = resolver.downConversionEnabled(overrides: topic.configs)
        var handles: [PartitionHandle] = []
        for partition in 0..<topic.partitionCount {
            let log = try logs.create(topic: topic.name, partition: partition, config: config)
            handles.append(
                PartitionHandle(
                    log: log, maxMessageBytes: maxBytes, compression: compression,
                    downConversionEnabled: downConversion))
        }
        live.withLockedValue { live in
            live.byName[topic.name] = LiveTopic(id: topic.id, partitions: handles)
            live.nameById[topic.id] = topic.name
        }
    }

    // MARK: Look-ups (hot path)

    public func partition(_ topic: String, _ partition: Int32) -> PartitionHandle? {
        live.withLockedValue { live in
            guard let partitions = live.byName[topic]?.partitions, partition >= 0, Int(partition) < partitions.count
            else {
                return nil
            }
            return partitions[Int(partition)]
        }
    }

    public func topicName(id: KafkaUUID) -> String? {
        live.withLockedValue { $0.nameById[id] }
    }

    public func topicId(_ name: String) -> KafkaUUID? {
        live.withLockedValue { $0.byName[name]?.id }
    }

    public func metadata(_ name: String) -> TopicMetadata? {
        store.current().topics[name]
    }

    public func allTopics() -> [TopicMetadata] {
        store.current().topics.values.sorted { $0.name < $1.name }
    }

    // MARK: Admin

    /// Validates and (unless `validateOnly`) creates a topic. `partitions`/`replicationFactor` of -1
    /// take the broker defaults.
    @discardableResult
    public func create(
        name: String, partitions requested: Int32, replicationFactor requestedFactor: Int16,
        configs: [String: String], validateOnly: Bool
    ) throws(KafkaFailure) -> TopicMetadata {
        if let problem = TopicNameRules.problem(with: name) { throw KafkaFailure(.invalidTopicException, problem) }
        let resolver = self.resolver
        let partitions = requested == -1 ? Int32(resolver.brokerInt("num.partitions")) : requested
        guard partitions >= 1 else { throw KafkaFailure(.invalidPartitions, "partitions must be at least 1") }
        guard partitions <= 100_000 else { throw KafkaFailure(.invalidPartitions, "at most 100000 partitions") }
        let factor = requestedFactor == -1 ? Int16(resolver.brokerInt("default.replication.factor")) : requestedFactor
        guard factor == 1 else {
            throw KafkaFailure(
                .invalidReplicationFactor,
                "replication factor \(factor) is larger than the 1 available broker (single-node mode)")
        }
        try Self.validate(topicConfigs: configs)
        let topic = TopicMetadata(name: name, id: .random(), partitionCount: partitions, configs: configs)
        do {
            try store.update { metadata in
                if metadata.topics[name] != nil {
                    throw KafkaFailure(.topicAlreadyExists, "topic '\(name)' already exists")
                }
                if !validateOnly { metadata.topics[name] = topic }
            }
        } catch let failure as KafkaFailure {
            throw failure
        } catch {
            throw KafkaFailure(.kafkaStorageError, "metadata write failed: \(error)")
        }
        if validateOnly { return topic }
        do {
            try openLogs(of: topic, resolver: self.resolver)
        } catch {
            logger.error("creating logs of topic '\(name)' failed: \(error)")
            throw KafkaFailure(.kafkaStorageError, "creating the partition logs failed: \(error)")
        }
        logger.info("created topic '\(name)' with \(partitions) partitions")
        return topic
    }

    /// Creates `name` with broker defaults if `auto.create.topics.enable` is on; nil when it is off.
    func autoCreate(_ name: String) -> Result<TopicMetadata, KafkaFailure>? {
        guard resolver.brokerBool("auto.create.topics.enable") else { return nil }
        do {
            return .success(
                try create(name: name, partitions: -1, replicationFactor: -1, configs: [:], validateOnly: false))
        } catch let failure where failure.code == .topicAlreadyExists {
            return metadata(name).map { .success($0) } ?? .failure(failure)
        } catch {
            return .failure(error)
        }
    }

    /// Deletes a topic: the metadata first (so it is gone for clients at once), then its logs.
    @discardableResult
    public func delete(name: String) throws(KafkaFailure) -> KafkaUUID {
        guard resolver.brokerBool("delete.topic.enable") else {
            throw KafkaFailure(.topicDeletionDisabled, "delete.topic.enable is false")
        }
        let removed: TopicMetadata?
        do {
            removed = try store.update { metadata in metadata.topics.removeValue(forKey: name) }
        } catch {
            throw KafkaFailure(.kafkaStorageError, "metadata write failed: \(error)")
        }
        guard let removed else { throw KafkaFailure(.unknownTopicOrPartition, "topic '\(name)' does not exist") }
        live.withLockedValue { live in
            if let removed = live.byName.removeValue(forKey: name) { live.nameById.removeValue(forKey: removed.id) }
        }
        do {
            try logs.delete(topic: name)
        } catch {
            logger.error(
                "removing logs of deleted topic '\(name)' failed (they are removed at the next start): \(error)")
        }
        logger.info("deleted topic '\(name)'")
        return removed.id
    }

    /// Raises a topic's partition count to `count`.
    public func addPartitions(name: String, count: Int32, validateOnly: Bool) throws(KafkaFailure) {
        guard count <= 100_000 else { throw KafkaFailure(.invalidPartitions, "at most 100000 partitions") }
        do {
            // Checked and changed under the store's lock, so concurrent requests cannot interleave.
            let updated = try store.update { metadata -> TopicMetadata in
                guard let topic = metadata.topics[name] else {
                    throw KafkaFailure(.unknownTopicOrPartition, "topic '\(name)' does not exist")
                }
                guard count > topic.partitionCount else {
                    throw KafkaFailure(
                        .invalidPartitions, "topic has \(topic.partitionCount) partitions; the new count must be larger"
                    )
                }
                if !validateOnly { metadata.topics[name]?.partitionCount = count }
                return metadata.topics[name] ?? topic
            }
            if !validateOnly { try openLogs(of: updated, resolver: resolver) }
        } catch let failure as KafkaFailure {
            throw failure
        } catch {
            throw KafkaFailure(.kafkaStorageError, "adding partitions failed: \(error)")
        }
    }

    /// Replaces a topic's overrides and applies them to its open logs at once.
    public func setTopicConfigs(name: String, _ configs: [String: String]) throws(KafkaFailure) {
        try Self.validate(topicConfigs: configs)
        do {
            let found = try store.update { metadata -> Bool in
                guard metadata.topics[name] != nil else { return false }
                metadata.topics[name]?.configs = configs
                return true
            }
            guard found else { throw KafkaFailure(.unknownTopicOrPartition, "topic '\(name)' does not exist") }
        } catch let failure as KafkaFailure {
            throw failure
        } catch {
            throw KafkaFailure(.kafkaStorageError, "metadata write failed: \(error)")
        }
        reapplyConfigs()
    }

    /// Re-resolves every topic's effective configs (after a topic or dynamic broker config change).
    public func reapplyConfigs() {
        let metadata = store.current()
        let resolver = self.resolver
        live.withLockedValue { live in
            for (name, topic) in live.byName {
                let overrides = metadata.topics[name]?.configs ?? [:]
                let config = resolver.logConfig(overrides: Self.effectiveOverrides(name, overrides))
                let maxBytes = resolver.maxMessageBytes(overrides: overrides)
                let compression = TopicCompression.codec(of: overrides, resolver: resolver)
                let downConversion = resolver.downConversionEnabled(overrides: overrides)
                live.byName[name]?.partitions = topic.partitions.map { handle in
                    handle.log.config = config
                    return PartitionHandle(
                        log: handle.log, maxMessageBytes: maxBytes, compression: compression,
                        downConversionEnabled: downConversion)
                }
            }
        }
    }

    static func validate(topicConfigs: [String: String]) throws(KafkaFailure) {
        for (key, value) in topicConfigs {
            guard let definition = ConfigCatalog.topicDefinition(key) else {
                throw KafkaFailure(.invalidConfig, "unknown topic config '\(key)'")
            }
            if let problem = definition.validationError(for: value) { throw KafkaFailure(.invalidConfig, problem) }
        }
    }
}
