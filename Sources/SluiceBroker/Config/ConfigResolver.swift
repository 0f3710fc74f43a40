import Foundation
import KafkaRecords
import SluiceStorage

/// One config's effective value, where it came from, and the chain of places it could come from
/// (Kafka's "synonyms"), most specific first.
public struct ResolvedConfig: Sendable {
    public var definition: ConfigDefinition
    public var value: String?
    public var source: ConfigSource
    public var synonyms: [(name: String, value: String?, source: ConfigSource)]
}

/// Resolves configs through Kafka's layers: topic override → dynamic broker (this node) →
/// dynamic cluster default → static broker (`--config`/`--set`) → built-in default.
public struct ConfigResolver: Sendable {
    let nodeId: Int32
    let staticBroker: [String: String]
    let metadata: ClusterMetadata

    public init(nodeId: Int32, staticBroker: [String: String], metadata: ClusterMetadata) {
        self.nodeId = nodeId
        self.staticBroker = staticBroker
        self.metadata = metadata
    }

    /// The layers for a broker config, most specific first, present ones only.
    private func brokerLayers(_ name: String) -> [(name: String, value: String?, source: ConfigSource)] {
        var layers: [(name: String, value: String?, source: ConfigSource)] = []
        if let value = metadata.dynamicBrokerConfigs[String(nodeId)]?[name] {
            layers.append((name, value, .dynamicBroker))
        }
        if let value = metadata.dynamicBrokerConfigs[""]?[name] {
            layers.append((name, value, .dynamicDefaultBroker))
        }
        if let value = staticBroker[name] { layers.append((name, value, .staticBroker)) }
        if let definition = ConfigCatalog.brokerDefinition(name) {
            layers.append((name, definition.defaultValue, .defaultConfig))
        }
        return layers
    }

    public func broker(_ definition: ConfigDefinition) -> ResolvedConfig {
        let layers = brokerLayers(definition.name)
        let winner = layers.first ?? (definition.name, definition.defaultValue, .defaultConfig)
        return ResolvedConfig(definition: definition, value: winner.value, source: winner.source, synonyms: layers)
    }

    public func topic(_ definition: ConfigDefinition, overrides: [String: String]) -> ResolvedConfig {
        var layers: [(name: String, value: String?, source: ConfigSource)] = []
        if let value = overrides[definition.name] { layers.append((definition.name, value, .dynamicTopic)) }
        if let synonym = definition.brokerSynonym { layers += brokerLayers(synonym) }
        if layers.isEmpty || definition.brokerSynonym == nil {
            layers.append((definition.name, definition.defaultValue, .defaultConfig))
        }
        let winner = layers[0]
        return ResolvedConfig(definition: definition, value: winner.value, source: winner.source, synonyms: layers)
    }

    /// The effective value of a broker config by name (built-in default when unknown to the layers).
    public func brokerValue(_ name: String) -> String? {
        brokerLayers(name).first?.value
    }

    public func brokerInt(_ name: String) -> Int64 {
        brokerValue(name).flatMap { Int64($0) } ?? 0
    }

    public func brokerBool(_ name: String) -> Bool {
        brokerValue(name) == "true"
    }

    public func topicValue(_ name: String, overrides: [String: String]) -> String? {
        guard let definition = ConfigCatalog.topicDefinition(name) else { return nil }
        return topic(definition, overrides: overrides).value
    }

    /// The storage settings a topic's partitions run with.
    public func logConfig(overrides: [String: String]) -> LogConfig {
        func int(_ name: String) -> Int64? { topicValue(name, overrides: overrides).flatMap { Int64($0) } }
        var config = LogConfig()
        if let value = int("segment.bytes") { config.segmentBytes = Int(value) }
        if let value = int("segment.ms") { config.segmentMs = value }
        if let value = int("retention.ms") { config.retentionMs = value }
        if let value = int("retention.bytes") { config.retentionBytes = value }
        if let value = int("index.interval.bytes") { config.indexIntervalBytes = Int(value) }
        if let value = int("segment.index.bytes") { config.maxIndexBytes = Int(value) }
        let policy = (topicValue("cleanup.policy", overrides: overrides) ?? "delete").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        config.compacts = policy.contains("compact")
        config.deletesByRetention = policy.contains("delete")
        if let value = int("delete.retention.ms") { config.deleteRetentionMs = value }
        if let value = int("min.compaction.lag.ms") { config.minCompactionLagMs = value }
        if let value = int("max.compaction.lag.ms") { config.maxCompactionLagMs = value }
        if let value = topicValue("min.cleanable.dirty.ratio", overrides: overrides).flatMap(Double.init) {
            config.minCleanableDirtyRatio = value
        }
        config.timestampType =
            topicValue("message.timestamp.type", overrides: overrides) == "LogAppendTime" ? .logAppendTime : .createTime
        return config
    }

    /// Whether old fetchers get down-converted records (`message.downconversion.enable`).
    public func downConversionEnabled(overrides: [String: String]) -> Bool {
        topicValue("message.downconversion.enable", overrides: overrides) != "false"
    }

    /// Largest batch a topic accepts (`max.message.bytes`).
    public func maxMessageBytes(overrides: [String: String]) -> Int {
        Int(topicValue("max.message.bytes", overrides: overrides).flatMap { Int64($0) } ?? 0)
    }
}
