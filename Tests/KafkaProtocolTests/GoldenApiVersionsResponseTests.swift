import KafkaProtocol
import KafkaWire
import NIOCore
import Testing

/// ApiVersionsResponse encodings written out byte by byte from the spec.
@Suite struct GoldenApiVersionsResponseTests {
    @Test func version0MatchesHandWrittenLayout() throws {
        var response = ApiVersionsResponse()
        response.errorCode = 0
        response.apiKeys = [
            {
                var key = ApiVersionsResponse.ApiVersion()
                key.apiKey = 0; key.minVersion = 0; key.maxVersion = 11
                return key
            }(),
            {
                var key = ApiVersionsResponse.ApiVersion()
                key.apiKey = 18; key.minVersion = 0; key.maxVersion = 4
                return key
            }(),
        ]
        response.throttleTimeMs = 99  // absent in v0: must not be written
        let expected: [UInt8] = [
            0x00, 0x00,  // ErrorCode int16 = 0
            0x00, 0x00, 0x00, 0x02,  // ApiKeys: int32 count = 2
            0x00, 0x00, 0x00, 0x00, 0x00, 0x0B,  // Produce: key 0, min 0, max 11
            0x00, 0x12, 0x00, 0x00, 0x00, 0x04,  // ApiVersions: key 18, min 0, max 4
        ]
        var writer = WireWriter(buffer: ByteBuffer())
        response.write(to: &writer, version: 0)
        #expect(Array(writer.buffer.readableBytesView) == expected)

        var buffer = ByteBuffer(bytes: expected)
        let decoded = try ApiVersionsResponse(from: &buffer, version: 0)
        #expect(buffer.readableBytes == 0)
        #expect(decoded.apiKeys.map(\.maxVersion) == [11, 4])
        #expect(decoded.throttleTimeMs == 0)
    }

    @Test func version3CompactArraysAndTaggedFields() throws {
        var response = ApiVersionsResponse()
        response.errorCode = 35
        var key = ApiVersionsResponse.ApiVersion()
        key.apiKey = 3; key.minVersion = 0; key.maxVersion = 13
        response.apiKeys = [key]
        response.throttleTimeMs = 7
        response.finalizedFeaturesEpoch = 5  // tag 1, written because it differs from the default -1
        response.zkMigrationReady = false  // tag 3, default: not written
        let expected: [UInt8] = [
            0x00, 0x23,  // ErrorCode = 35 (UNSUPPORTED_VERSION)
            0x02,  // ApiKeys: compact count = 1 + 1
            0x00, 0x03, 0x00, 0x00, 0x00, 0x0D,  // Metadata: key 3, min 0, max 13
            0x00,  // the entry's tagged fields: none
            0x00, 0x00, 0x00, 0x07,  // ThrottleTimeMs = 7
            0x01,  // one tagged field
            0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  // tag 1, size 8, epoch 5
        ]
        var writer = WireWriter(buffer: ByteBuffer())
        response.write(to: &writer, version: 3)
        #expect(Array(writer.buffer.readableBytesView) == expected)

        var buffer = ByteBuffer(bytes: expected)
        let decoded = try ApiVersionsResponse(from: &buffer, version: 3)
        #expect(decoded == response)
        #expect(ErrorCode(rawValue: decoded.errorCode) == .unsupportedVersion)
    }

    @Test func unknownTaggedFieldsSurviveARoundTrip() throws {
        let bytes: [UInt8] = [
            0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  // no error, empty compact array, throttle 0
            0x02,  // two tagged fields
            0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,  // known tag 1: epoch 9
            0x2A, 0x02, 0xBE, 0xEF,  // unknown tag 42, 2 bytes
        ]
        var buffer = ByteBuffer(bytes: bytes)
        let decoded = try ApiVersionsResponse(from: &buffer, version: 3)
        #expect(decoded.finalizedFeaturesEpoch == 9)
        #expect(decoded.unknownTaggedFields == [TaggedField(tag: 42, data: ByteBuffer(bytes: [0xBE, 0xEF]))])
        var writer = WireWriter(buffer: ByteBuffer())
        decoded.write(to: &writer, version: 3)
        #expect(Array(writer.buffer.readableBytesView) == bytes)
    }
}
