import KafkaProtocol
import Testing

@Suite struct ApiKeyAndErrorCodeTests {
    @Test func apiKeysMatchKafkaNumbersAndNames() {
        #expect(ApiKey.produce.rawValue == 0)
        #expect(ApiKey.fetch.rawValue == 1)
        #expect(ApiKey.metadata.rawValue == 3)
        #expect(ApiKey.apiVersions.rawValue == 18)
        #expect(ApiKey.createTopics.rawValue == 19)
        #expect(ApiKey.initProducerId.rawValue == 22)
        #expect(ApiKey.produce.name == "Produce")
        #expect(ApiKey.apiVersions.name == "ApiVersions")
        #expect(ApiKey(rawValue: 18) == .apiVersions)
        #expect(ApiKey.allCases.count > 60)
    }

    @Test func amendedVersions() {
        #expect(ApiKey.produce.validVersions == 0...12)
        #expect(ApiKey.metadata.validVersions == 0...13)
        #expect(ProduceRequest.validVersions == 0...12)
        #expect(MetadataResponse.validVersions == 0...13)
        #expect(ProduceRequest.flexibleVersions == 9...Int16.max)
        #expect(ProduceRequest.apiKey == .produce)
        #expect(OffsetDeleteRequest.flexibleVersions == nil)
    }

    @Test func headerVersions() {
        #expect(ApiKey.produce.requestHeaderVersion(for: 8) == 1)
        #expect(ApiKey.produce.requestHeaderVersion(for: 9) == 2)
        #expect(ApiKey.produce.responseHeaderVersion(for: 8) == 0)
        #expect(ApiKey.produce.responseHeaderVersion(for: 9) == 1)
        #expect(ApiKey.controlledShutdown.requestHeaderVersion(for: 0) == 0)
        #expect(ApiKey.controlledShutdown.requestHeaderVersion(for: 1) == 1)
        #expect(ApiKey.apiVersions.requestHeaderVersion(for: 3) == 2)
        #expect(ApiKey.apiVersions.responseHeaderVersion(for: 3) == 0)
        #expect(ApiKey.saslHandshake.requestHeaderVersion(for: 1) == 1)
    }

    @Test func errorCodes() {
        #expect(ErrorCode.none.rawValue == 0)
        #expect(ErrorCode.unknownServerError.rawValue == -1)
        #expect(ErrorCode.offsetOutOfRange.name == "OFFSET_OUT_OF_RANGE")
        #expect(ErrorCode.unknownTopicOrPartition.rawValue == 3)
        #expect(ErrorCode.unknownTopicOrPartition.isRetriable)
        #expect(ErrorCode.notLeaderOrFollower.isRetriable)
        #expect(!ErrorCode.topicAlreadyExists.isRetriable)
        #expect(ErrorCode.unsupportedVersion.rawValue == 35)
        #expect(ErrorCode.invalidRecord.rawValue == 87)
        #expect(ErrorCode.unknownTopicId.rawValue == 100)
        #expect(ErrorCode.policyViolation.rawValue == 44)
        #expect(ErrorCode(rawValue: 9999).name == "UNKNOWN_ERROR_CODE(9999)")
        #expect(ErrorCode.allKnown.count == 130)
        #expect(Set(ErrorCode.allKnown.map(\.name)).count == 130)
    }

    @Test func entityTypes() {
        let topic: TopicName = "orders"
        #expect(topic.rawValue == "orders")
        #expect(TopicName("a") < TopicName("b"))
        let broker: BrokerId = 3
        #expect(broker == BrokerId(3))
        #expect(ProducerId(-1).rawValue == -1)
        var metadata = MetadataResponse()
        metadata.controllerId = 1
        #expect(metadata.controllerId == BrokerId(1))
        #expect(MetadataResponse().controllerId == BrokerId(-1))
    }
}
