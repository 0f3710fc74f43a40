import KafkaProtocol

/// A config entry as DescribeConfigs reports it.
public struct ConfigEntry: Sendable, Equatable {
    public var name: String
    /// Nil for sensitive or unset values.
    public var value: String?
    public var isDefault: Bool
    public var isReadOnly: Bool
    public var isSensitive: Bool
}

/// What a config belongs to (DescribeConfigs / IncrementalAlterConfigs resource types).
public enum ConfigResource: Sendable, Equatable {
    case topic(String)
    /// A broker by id; an empty id string addresses the cluster-wide default.
    case broker(String)

    var type: Int8 {
        switch self {
        case .topic: return 2
        case .broker: return 4
        }
    }

    var name: String {
        switch self {
        case .topic(let name), .broker(let name): return name
        }
    }
}

extension Admin {
    /// Every config of `resource`, sorted by name.
    public func describeConfigs(_ resource: ConfigResource) async throws -> [ConfigEntry] {
        var entry = DescribeConfigsRequest.DescribeConfigsResource()
        entry.resourceType = resource.type
        entry.resourceName = resource.name
        entry.configurationKeys = nil
        var request = DescribeConfigsRequest()
        request.resources = [entry]
        let answer = try await configConnection(for: resource).send(request, timeout: config.requestTimeout.timeAmount)
        let result = answer.results.first
        try Self.check(result.map { ($0.errorCode, $0.errorMessage) }, "configs of \(resource.name)")
        return result!.configs.map {
            ConfigEntry(
                name: $0.name, value: $0.value, isDefault: $0.isDefault || $0.configSource == 5,
                isReadOnly: $0.readOnly, isSensitive: $0.isSensitive)
        }.sorted { $0.name < $1.name }
    }

    /// Sets (`set`) and removes (`delete`, back to the default) configs of `resource`.
    public func alterConfigs(_ resource: ConfigResource, set: [String: String] = [:], delete: [String] = [])
        async throws
    {
        var entry = IncrementalAlterConfigsRequest.AlterConfigsResource()
        entry.resourceType = resource.type
        entry.resourceName = resource.name
        entry.configs =
            set.sorted { $0.key < $1.key }.map { Self.alterable($0.key, operation: 0, value: $0.value) }
            + delete.map { Self.alterable($0, operation: 1, value: nil) }
        var request = IncrementalAlterConfigsRequest()
        request.resources = [entry]
        let answer = try await configConnection(for: resource).send(request, timeout: config.requestTimeout.timeAmount)
        try Self.check(
            answer.responses.first.map { ($0.errorCode, $0.errorMessage) }, "alter configs of \(resource.name)")
    }

    private static func alterable(_ name: String, operation: Int8, value: String?)
        -> IncrementalAlterConfigsRequest.AlterableConfig
    {
        var config = IncrementalAlterConfigsRequest.AlterableConfig()
        config.name = name
        config.configOperation = operation
        config.value = value
        return config
    }

    /// Broker configs go to that broker; topic configs to any broker (the controller first).
    private func configConnection(for resource: ConfigResource) async throws -> BrokerConnection {
        if case .broker(let id) = resource, let node = Int32(id) {
            try await cluster.refresh(topics: [])
            return try await cluster.connection(toNode: node)
        }
        return try await controllerConnection()
    }
}
