import KafkaWire

/// A topic as the metadata store records it.
public struct TopicMetadata: Codable, Sendable, Equatable {
    public var name: String
    public var id: KafkaUUID
    public var partitionCount: Int32
    /// Topic-level overrides by Kafka config name (`retention.ms`, …).
    public var configs: [String: String]

    public init(name: String, id: KafkaUUID, partitionCount: Int32, configs: [String: String]) {
        self.name = name
        self.id = id
        self.partitionCount = partitionCount
        self.configs = configs
    }
}

/// Everything the broker must remember across restarts besides the logs themselves.
public struct ClusterMetadata: Codable, Sendable, Equatable {
    public var clusterId: String
    public var topics: [String: TopicMetadata] = [:]
    /// Dynamic broker configs set through IncrementalAlterConfigs, keyed by resource name
    /// ("" for the cluster-wide default, or a node id).
    public var dynamicBrokerConfigs: [String: [String: String]] = [:]
    /// First producer id not yet handed out to any allocator block.
    public var nextProducerIdBlock: Int64 = 0

    public init(clusterId: String) {
        self.clusterId = clusterId
    }

    public func topic(id: KafkaUUID) -> TopicMetadata? {
        topics.values.first { $0.id == id }
    }
}

extension KafkaUUID: Codable {
    /// Stored as `HIGH:LOW` in hex, lossless and readable.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: ":")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "bad uuid \(text)"))
        }
        self.init(high: high, low: low)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(high, radix: 16) + ":" + String(low, radix: 16))
    }
}
