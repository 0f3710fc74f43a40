import KafkaProtocol
import KafkaWire
import NIOCore
import SluiceTestKit
import Testing

@Suite("ApiVersions, topic admin and bad input")
struct AdminAndProtocolTests {
    /// Kafka 3.9's ranges down to v0 (old clients), up to Kafka 4.0's newest versions.
    @Test func apiVersionsReportsEveryVersionFromV0() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        let response = try await client.send(ApiVersionsRequest(), version: 3)
        let ranges = Dictionary(
            uniqueKeysWithValues: response.apiKeys.map { ($0.apiKey, $0.minVersion...$0.maxVersion) })
        #expect(response.errorCode == 0)
        #expect(ranges[ApiKey.produce.rawValue] == 0...12)
        #expect(ranges[ApiKey.fetch.rawValue] == 0...17)
        #expect(ranges[ApiKey.metadata.rawValue] == 0...13)
        #expect(ranges[ApiKey.listOffsets.rawValue] == 0...10)
        #expect(ranges[ApiKey.offsetCommit.rawValue] == 0...9)
        #expect(ranges[ApiKey.offsetFetch.rawValue] == 0...9)
        #expect(ranges[ApiKey.describeConfigs.rawValue] == 0...4)
        #expect(ranges.values.filter { $0.lowerBound != 0 }.isEmpty)
        #expect(ranges[ApiKey.apiVersions.rawValue] == 0...4)
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func apiVersionsTooNewGetsUnsupportedVersionInV0Format() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        // Header v1: api key 18, version 99, correlation id 7, client id "x".
        try await client.sendRaw([0, 0, 0, 11, 0, 18, 0, 99, 0, 0, 0, 7, 0, 1, 0x78])
        var frame = try #require(try await client.receiveFrame())
        #expect(frame.readInteger(as: Int32.self) == 7)
        let body = try ApiVersionsResponse(from: &frame, version: 0)
        #expect(body.errorCode == ErrorCode.unsupportedVersion.rawValue)
        #expect(body.apiKeys.contains { $0.apiKey == ApiKey.produce.rawValue })
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func replicationFactorAboveOneIsRefused() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        let response = try await client.send(Requests.createTopic("rf3", factor: 3), version: 7)
        #expect(response.topics[0].errorCode == ErrorCode.invalidReplicationFactor.rawValue)
        let bad = try await client.send(Requests.createTopic("bad name!"), version: 7)
        #expect(bad.topics[0].errorCode == ErrorCode.invalidTopicException.rawValue)
        let badConfig = try await client.send(
            Requests.createTopic("cfg", configs: ["retention.ms": "soon"]), version: 7)
        #expect(badConfig.topics[0].errorCode == ErrorCode.invalidConfig.rawValue)
        await client.close()
        await broker.stopAndRemove()
    }

    @Test(arguments: [
        [UInt8]([0xFF, 0xFF, 0xFF, 0xF0]),  // negative length
        [0x7F, 0xFF, 0xFF, 0xFF],  // 2 GiB length
        [0, 0, 0, 8, 0x03, 0xE7, 0, 0, 0, 0, 0, 1],  // unknown API key 999
        [0, 0, 0, 2, 0, 3],  // header cut short
    ])
    func badFramesCloseOnlyThatConnection(bytes: [UInt8]) async throws {
        let broker = try await TestBroker.start()
        let bad = try await TestClient.connect(port: broker.port)
        try await bad.sendRaw(bytes)
        #expect(try await bad.receiveFrame() == nil)
        let good = try await TestClient.connect(port: broker.port)
        let response = try await good.send(ApiVersionsRequest(), version: 3)
        #expect(response.errorCode == 0)
        await bad.close()
        await good.close()
        await broker.stopAndRemove()
    }
}
