import KafkaProtocol

// IncrementalAlterConfigs (key 44), versions 0–1. Operations: SET (0), DELETE (1), APPEND (2) and
// SUBTRACT (3) (the last two for list configs). Topic changes apply to the partitions at once;
// broker changes (resource "" for the cluster default, or this node's id) are stored as dynamic
// broker configs and re-applied to every topic that does not override them.
struct IncrementalAlterConfigsHandler: KafkaHandler {
    typealias Request = IncrementalAlterConfigsRequest
    static let versions: ClosedRange<Int16> = 0...1

    let broker: BrokerServices

    func handle(
        _ request: IncrementalAlterConfigsRequest, context: RequestContext
    ) throws -> HandlerReply<IncrementalAlterConfigsResponse> {
        var response = IncrementalAlterConfigsResponse()
        response.responses = request.resources.map { resource in
            var result = IncrementalAlterConfigsResponse.AlterConfigsResourceResponse()
            result.resourceType = resource.resourceType
            result.resourceName = resource.resourceName
            do {
                switch resource.resourceType {
                case DescribeConfigsHandler.topicResource:
                    try alterTopic(resource, validateOnly: request.validateOnly)
                case DescribeConfigsHandler.brokerResource:
                    try alterBroker(resource, validateOnly: request.validateOnly)
                default:
                    throw KafkaFailure(.invalidRequest, "resource type \(resource.resourceType) is not supported")
                }
            } catch {
                let failure = KafkaFailure.from(error)
                result.errorCode = failure.code.rawValue
                result.errorMessage = failure.message
            }
            return result
        }
        return .now(response)
    }

    private func alterTopic(_ resource: IncrementalAlterConfigsRequest.AlterConfigsResource, validateOnly: Bool) throws
    {
        guard let topic = broker.topics.metadata(resource.resourceName) else {
            throw KafkaFailure(.unknownTopicOrPartition, "topic '\(resource.resourceName)' does not exist")
        }
        var configs = topic.configs
        for change in resource.configs {
            guard let definition = ConfigCatalog.topicDefinition(change.name) else {
                throw KafkaFailure(.invalidConfig, "unknown topic config '\(change.name)'")
            }
            let current = broker.topics.resolver.topic(definition, overrides: configs).value
            configs[change.name] = try Self.apply(change, to: current, definition: definition)
        }
        try TopicRegistry.validate(topicConfigs: configs)
        if !validateOnly { try broker.topics.setTopicConfigs(name: resource.resourceName, configs) }
    }

    private func alterBroker(_ resource: IncrementalAlterConfigsRequest.AlterConfigsResource, validateOnly: Bool) throws
    {
        guard resource.resourceName.isEmpty || resource.resourceName == String(broker.nodeId) else {
            throw KafkaFailure(.invalidRequest, "this is node \(broker.nodeId), not '\(resource.resourceName)'")
        }
        var configs = broker.store.current().dynamicBrokerConfigs[resource.resourceName] ?? [:]
        for change in resource.configs {
            guard let definition = ConfigCatalog.brokerDefinition(change.name) else {
                throw KafkaFailure(.invalidConfig, "unknown broker config '\(change.name)'")
            }
            guard definition.isDynamic else {
                throw KafkaFailure(.invalidRequest, "'\(change.name)' is read at start only; set it in the config file")
            }
            let current = configs[change.name] ?? broker.topics.resolver.brokerValue(change.name)
            configs[change.name] = try Self.apply(change, to: current, definition: definition)
            if let value = configs[change.name], let problem = definition.validationError(for: value) {
                throw KafkaFailure(.invalidConfig, problem)
            }
        }
        if validateOnly { return }
        let name = resource.resourceName
        try broker.store.update { metadata in metadata.dynamicBrokerConfigs[name] = configs }
        broker.topics.reapplyConfigs()
    }

    /// The new override after one operation; nil removes it.
    static func apply(
        _ change: IncrementalAlterConfigsRequest.AlterableConfig, to current: String?, definition: ConfigDefinition
    ) throws(KafkaFailure) -> String? {
        switch change.configOperation {
        case 0:
            guard let value = change.value else {
                throw KafkaFailure(.invalidConfig, "SET of '\(change.name)' needs a value")
            }
            return value
        case 1:
            return nil
        case 2, 3:
            guard definition.type == .list else {
                throw KafkaFailure(
                    .invalidConfig, "APPEND and SUBTRACT apply to list configs; '\(change.name)' is not one")
            }
            var items = (current ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
            let given = (change.value ?? "").split(separator: ",").map(String.init)
            if change.configOperation == 2 {
                for item in given where !items.contains(item) { items.append(item) }
            } else {
                items.removeAll { given.contains($0) }
            }
            return items.joined(separator: ",")
        default:
            throw KafkaFailure(.invalidRequest, "unknown config operation \(change.configOperation)")
        }
    }
}
