/// Every config Sluice knows, by Kafka's names. Topic configs fall back to their broker synonym, then
/// to the default here. A few are accepted because clients set them but have no effect yet
/// (`min.insync.replicas`): see docs/configuration.md.
public enum ConfigCatalog {
    static let day: Int64 = 86_400_000

    /// Topic-level configs (`retention.ms`, …), each with the broker config that supplies its default.
    public static let topic: [ConfigDefinition] = [
        ConfigDefinition(
            "cleanup.policy", .list, default: "delete", broker: "log.cleanup.policy",
            validValues: ["delete", "compact"],
            doc: "Old segments are deleted (delete), compacted to the latest record per key (compact), or both."),
        ConfigDefinition(
            "delete.retention.ms", .long, default: String(day), broker: "log.cleaner.delete.retention.ms", minimum: 0,
            doc: "How long a tombstone stays in a compacted topic after the cleaner first reached it."),
        ConfigDefinition(
            "min.cleanable.dirty.ratio", .double, default: "0.5", broker: "log.cleaner.min.cleanable.ratio",
            minimum: 0, maximum: 1, doc: "Share of a compacted log not yet cleaned at which the cleaner takes it."),
        ConfigDefinition(
            "min.compaction.lag.ms", .long, default: "0", broker: "log.cleaner.min.compaction.lag.ms", minimum: 0,
            doc: "Records younger than this are never compacted."),
        ConfigDefinition(
            "max.compaction.lag.ms", .long, default: String(Int64.max), broker: "log.cleaner.max.compaction.lag.ms",
            minimum: 1, doc: "A record not compacted after this long is compacted whatever the dirty ratio."),
        ConfigDefinition(
            "compression.type", .string, default: "producer", broker: "compression.type",
            validValues: ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"],
            doc: "Final compression of the topic's data; producer keeps what the producer sent."),
        ConfigDefinition(
            "index.interval.bytes", .int, default: "4096", broker: "log.index.interval.bytes", minimum: 0,
            doc: "Bytes of log between two offset index entries."),
        ConfigDefinition(
            "max.message.bytes", .int, default: "1114112", broker: "message.max.bytes", minimum: 0,
            doc: "Largest record batch accepted (1 MiB of record plus room for batch overhead)."),
        ConfigDefinition(
            "message.downconversion.enable", .boolean, default: "true", broker: "log.message.downconversion.enable",
            doc: "Whether Fetch v0-v3 clients get records down-converted to message format v0/v1."),
        ConfigDefinition(
            "message.timestamp.type", .string, default: "CreateTime", broker: "log.message.timestamp.type",
            validValues: ["CreateTime", "LogAppendTime"], doc: "Whether records keep the producer's timestamp."),
        ConfigDefinition(
            "min.insync.replicas", .int, default: "1", broker: "min.insync.replicas", minimum: 1,
            doc: "Replicas that must acknowledge an acks=all write (1 on a single node)."),
        ConfigDefinition(
            "retention.bytes", .long, default: "-1", broker: "log.retention.bytes", minimum: -1,
            doc: "Largest size of a partition before old segments are deleted; -1 for no limit."),
        ConfigDefinition(
            "retention.ms", .long, default: String(7 * day), broker: "log.retention.ms", minimum: -1,
            doc: "How long records are kept; -1 keeps them forever."),
        ConfigDefinition(
            "segment.bytes", .int, default: "1073741824", broker: "log.segment.bytes", minimum: 14,
            doc: "Size at which a new segment file is started."),
        ConfigDefinition(
            "segment.index.bytes", .int, default: "10485760", broker: "log.index.size.max.bytes", minimum: 8,
            doc: "Largest size of a segment's offset index."),
        ConfigDefinition(
            "segment.ms", .long, default: String(7 * day), broker: "log.roll.ms", minimum: 1,
            doc: "Age at which a new segment file is started."),
    ]

    /// Broker-only configs; the broker synonyms of the topic configs are added by `brokerDefinitions`.
    public static let brokerOnly: [ConfigDefinition] = [
        ConfigDefinition(
            "auto.create.topics.enable", .boolean, default: "true",
            doc: "Create a topic on the first metadata request that names it."),
        ConfigDefinition(
            "num.partitions", .int, default: "1", minimum: 1, doc: "Partitions of an auto-created topic."),
        ConfigDefinition(
            "default.replication.factor", .short, default: "1", minimum: 1,
            doc: "Replication factor of auto-created topics (1 on a single node)."),
        ConfigDefinition(
            "socket.request.max.bytes", .int, default: "104857600", minimum: 1, dynamic: false,
            doc: "Largest request frame; a larger length prefix closes the connection."),
        ConfigDefinition(
            "offsets.topic.num.partitions", .int, default: "50", minimum: 1, dynamic: false,
            doc: "Partitions of the internal __consumer_offsets topic, fixed once it exists."),
        ConfigDefinition(
            "transaction.state.log.num.partitions", .int, default: "50", minimum: 1, dynamic: false,
            doc: "Partitions of the internal __transaction_state topic, fixed once it exists."),
        ConfigDefinition(
            "transaction.max.timeout.ms", .int, default: "900000", minimum: 1, dynamic: false,
            doc: "Longest transaction timeout a producer may ask for."),
        ConfigDefinition(
            "transactional.id.expiration.ms", .int, default: "604800000", minimum: 1, dynamic: false,
            doc: "A transactional id with no transaction open is forgotten after this long without use."),
        ConfigDefinition(
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", .int, default: "10000", minimum: 1,
            dynamic: false, doc: "How often open transactions are checked against their timeout."),
        ConfigDefinition(
            "offsets.retention.minutes", .int, default: "10080", minimum: 1, dynamic: false,
            doc: "How long committed offsets of a group with no members are kept."),
        ConfigDefinition(
            "group.min.session.timeout.ms", .int, default: "6000", minimum: 0, dynamic: false,
            doc: "Shortest session timeout a consumer group member may ask for."),
        ConfigDefinition(
            "group.max.session.timeout.ms", .int, default: "1800000", minimum: 0, dynamic: false,
            doc: "Longest session timeout a consumer group member may ask for."),
        ConfigDefinition(
            "group.consumer.session.timeout.ms", .int, default: "45000", minimum: 1, dynamic: false,
            doc: "Session timeout of consumer-protocol (KIP-848) group members."),
        ConfigDefinition(
            "group.consumer.heartbeat.interval.ms", .int, default: "1000", minimum: 1, dynamic: false,
            // Kafka's default is 5 s; members only get freed partitions at a heartbeat, so 1 s keeps a
            // rebalance after a member leaves under a second. The cost is one small request per
            // member per second.
            doc: "Heartbeat interval the coordinator tells consumer-protocol group members to use."),
        ConfigDefinition(
            "log.retention.check.interval.ms", .long, default: "300000", minimum: 1, dynamic: false,
            doc: "How often retention and time-based segment rolls are checked."),
        ConfigDefinition(
            "delete.topic.enable", .boolean, default: "true", doc: "Whether DeleteTopics is allowed."),
        ConfigDefinition(
            "log.cleaner.enable", .boolean, default: "true", dynamic: false,
            doc: "Run the log cleaner, which compacts topics with cleanup.policy=compact."),
        ConfigDefinition(
            "log.cleaner.threads", .int, default: "1", minimum: 0, dynamic: false,
            doc: "Threads cleaning compacted logs, one log each at a time."),
        ConfigDefinition(
            "log.cleaner.io.max.bytes.per.second", .double, default: "1.7976931348623157E308", minimum: 1,
            dynamic: false, doc: "Bytes per second the cleaner threads together may read and write."),
        ConfigDefinition(
            "log.cleaner.backoff.ms", .long, default: "15000", minimum: 0, dynamic: false,
            doc: "How long a cleaner thread sleeps when no log needs cleaning."),
        ConfigDefinition(
            "log.cleaner.dedupe.buffer.size", .long, default: "134217728", minimum: 1_048_576, dynamic: false,
            doc: "Memory for the cleaners' key maps (24 bytes a key, as Kafka counts it)."),
    ]

    /// Every broker-level config: broker-only ones plus the broker synonyms of topic configs.
    public static let broker: [ConfigDefinition] =
        brokerOnly
        + topic.compactMap { definition in
            guard let synonym = definition.brokerSynonym else { return nil }
            return ConfigDefinition(
                synonym, definition.type, default: definition.defaultValue, validValues: definition.validValues,
                minimum: definition.minimum, maximum: definition.maximum, dynamic: definition.isDynamic,
                doc: definition.documentation)
        }

    static let topicByName: [String: ConfigDefinition] = Dictionary(
        uniqueKeysWithValues: topic.map { ($0.name, $0) })
    static let brokerByName: [String: ConfigDefinition] = Dictionary(
        broker.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    public static func topicDefinition(_ name: String) -> ConfigDefinition? { topicByName[name] }
    public static func brokerDefinition(_ name: String) -> ConfigDefinition? { brokerByName[name] }
}
