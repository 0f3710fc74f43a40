import KafkaProtocol

// DescribeConfigs (key 32), versions 0–4 (v0 has no synonyms and no source, only is_default). Topic (type 2) and broker (type 4) resources.
// Every config is listed, defaults included, with its source and — when asked — its synonyms
// (the layers it could come from, most specific first), type (v3+) and documentation (v3+).
struct DescribeConfigsHandler: KafkaHandler {
    typealias Request = DescribeConfigsRequest
    static let versions: ClosedRange<Int16> = 0...4

    static let topicResource: Int8 = 2
    static let brokerResource: Int8 = 4

    let broker: BrokerServices

    func handle(_ request: DescribeConfigsRequest, context: RequestContext) throws -> HandlerReply<
        DescribeConfigsResponse
    > {
        let resolver = broker.topics.resolver
        var response = DescribeConfigsResponse()
        response.results = request.resources.map { resource in
            var result = DescribeConfigsResponse.DescribeConfigsResult()
            result.resourceType = resource.resourceType
            result.resourceName = resource.resourceName
            let wanted = resource.configurationKeys.map(Set.init)
            let resolved: [ResolvedConfig]
            switch resource.resourceType {
            case Self.topicResource:
                guard let topic = broker.topics.metadata(resource.resourceName) else {
                    result.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    result.errorMessage = "topic '\(resource.resourceName)' does not exist"
                    return result
                }
                resolved = ConfigCatalog.topic.map { resolver.topic($0, overrides: topic.configs) }
            case Self.brokerResource:
                guard resource.resourceName.isEmpty || resource.resourceName == String(broker.nodeId) else {
                    result.errorCode = ErrorCode.invalidRequest.rawValue
                    result.errorMessage = "this is node \(broker.nodeId), not '\(resource.resourceName)'"
                    return result
                }
                resolved = ConfigCatalog.broker.map { resolver.broker($0) }
            default:
                result.errorCode = ErrorCode.invalidRequest.rawValue
                result.errorMessage = "resource type \(resource.resourceType) is not supported"
                return result
            }
            result.configs =
                resolved
                .filter { wanted?.contains($0.definition.name) ?? true }
                .map { entry(for: $0, request: request) }
            return result
        }
        return .now(response)
    }

    private func entry(for config: ResolvedConfig, request: DescribeConfigsRequest)
        -> DescribeConfigsResponse.DescribeConfigsResourceResult
    {
        var entry = DescribeConfigsResponse.DescribeConfigsResourceResult()
        entry.name = config.definition.name
        entry.value = config.value
        entry.readOnly = !config.definition.isDynamic
        entry.isDefault = config.source == .defaultConfig
        entry.configSource = config.source.rawValue
        entry.isSensitive = config.definition.type == .password
        entry.configType = config.definition.type.rawValue
        if request.includeSynonyms {
            entry.synonyms = config.synonyms.map { synonym in
                var item = DescribeConfigsResponse.DescribeConfigsSynonym()
                item.name = synonym.name
                item.value = synonym.value
                item.source = synonym.source.rawValue
                return item
            }
        }
        if request.includeDocumentation { entry.documentation = config.definition.documentation }
        return entry
    }
}
