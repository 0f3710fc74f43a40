import Foundation
import KafkaProtocol
import KafkaWire
import NIOCore
import Testing

/// Decodes the first frames real clients sent (captured by Tools/capture-golden.py).
@Suite struct GoldenClientRequestTests {
    struct Expectations: Decodable {
        var clientId: String
        var softwareName: String?
        var softwareVersion: String?
    }

    static func fixture(_ name: String) throws -> (frame: ByteBuffer, expected: Expectations) {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let hex = try String(contentsOf: directory.appendingPathComponent(name + ".hex"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(try #require(UInt8(hex[index..<next], radix: 16)))
            index = next
        }
        let json = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        return (ByteBuffer(bytes: bytes), try JSONDecoder().decode(Expectations.self, from: json))
    }

    /// Decodes header + body, checks it consumed every byte and re-encodes to the same bytes.
    static func decode(_ frame: ByteBuffer) throws -> (RequestHeader, ApiVersionsRequest) {
        var buffer = frame
        // The api key and version sit at fixed offsets in every header version.
        let apiKey = try #require(buffer.getInteger(at: buffer.readerIndex, as: Int16.self))
        let apiVersion = try #require(buffer.getInteger(at: buffer.readerIndex + 2, as: Int16.self))
        #expect(ApiKey(rawValue: apiKey) == .apiVersions)
        let headerVersion = ApiKey.apiVersions.requestHeaderVersion(for: apiVersion)
        let header = try RequestHeader(from: &buffer, version: headerVersion)
        let request = try ApiVersionsRequest(from: &buffer, version: apiVersion)
        #expect(buffer.readableBytes == 0)

        var writer = WireWriter(buffer: ByteBuffer())
        header.write(to: &writer, version: headerVersion)
        request.write(to: &writer, version: apiVersion)
        #expect(writer.buffer == frame, "re-encoding must reproduce the client's bytes")
        return (header, request)
    }

    @Test func confluentKafkaApiVersionsRequest() throws {
        let (frame, expected) = try Self.fixture("confluent-kafka-apiversions-request")
        let (header, request) = try Self.decode(frame)
        #expect(header.requestApiKey == ApiKey.apiVersions.rawValue)
        #expect(header.requestApiVersion == 3)
        #expect(ApiKey.apiVersions.requestHeaderVersion(for: header.requestApiVersion) == 2)
        #expect(header.correlationId >= 0)
        #expect(header.clientId == expected.clientId)
        #expect(request.clientSoftwareName == expected.softwareName)
        #expect(request.clientSoftwareVersion == expected.softwareVersion)
        #expect(request.unknownTaggedFields.isEmpty)
    }

    @Test func kafkaPythonApiVersionsRequest() throws {
        let (frame, expected) = try Self.fixture("kafka-python-apiversions-request")
        let (header, request) = try Self.decode(frame)
        #expect(header.requestApiVersion >= 3)
        #expect(ApiKey.apiVersions.requestHeaderVersion(for: header.requestApiVersion) == 2)
        #expect(header.clientId == expected.clientId)
        #expect(request.clientSoftwareName == "kafka-python")
        #expect(request.clientSoftwareName == expected.softwareName)
        #expect(request.clientSoftwareVersion == expected.softwareVersion)
    }

    @Test func aiokafkaApiVersionsRequestV0() throws {
        let (frame, expected) = try Self.fixture("aiokafka-apiversions-request")
        let (header, request) = try Self.decode(frame)
        #expect(header.requestApiVersion == 0)
        #expect(ApiKey.apiVersions.requestHeaderVersion(for: 0) == 1)
        #expect(header.clientId == expected.clientId)
        // v0 has no software fields: they keep their defaults.
        #expect(request.clientSoftwareName == "")
        #expect(request.clientSoftwareVersion == "")
    }

    @Test func truncatedClientFramesThrow() throws {
        let (frame, _) = try Self.fixture("confluent-kafka-apiversions-request")
        for length in 0..<frame.readableBytes {
            var prefix = frame.getSlice(at: frame.readerIndex, length: length)!
            #expect(throws: (any Error).self) {
                _ = try RequestHeader(from: &prefix, version: 2)
                _ = try ApiVersionsRequest(from: &prefix, version: 3)
            }
        }
    }
}

@Suite struct RequestHeaderParsingTests {
    @Test func parsePicksTheHeaderVersionFromTheFrame() throws {
        let (frame, expected) = try GoldenClientRequestTests.fixture("confluent-kafka-apiversions-request")
        var buffer = frame
        let (header, apiKey) = try RequestHeader.parse(from: &buffer)
        #expect(apiKey == .apiVersions)
        #expect(header.clientId == expected.clientId)
        let body = try ApiVersionsRequest(from: &buffer, version: header.requestApiVersion)
        #expect(body.clientSoftwareName == expected.softwareName)
        #expect(buffer.readableBytes == 0)
    }

    @Test func unknownApiKeyStillYieldsTheCorrelationId() throws {
        var writer = WireWriter(buffer: ByteBuffer())
        var header = RequestHeader()
        header.requestApiKey = 999
        header.requestApiVersion = 0
        header.correlationId = 77
        header.clientId = "x"
        header.write(to: &writer, version: 1)
        var buffer = writer.buffer
        let (parsed, apiKey) = try RequestHeader.parse(from: &buffer)
        #expect(apiKey == nil)
        #expect(parsed.correlationId == 77)
        var short = ByteBuffer(bytes: [0, 18, 0])
        #expect(throws: KafkaWireError.truncated) { _ = try RequestHeader.parse(from: &short) }
    }
}
