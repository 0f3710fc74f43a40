import KafkaProtocol
import KafkaWire
import NIOCore
import Testing

/// A generated message type that can build a sample with every field of a version set.
protocol RoundTripSample: KafkaMessage, Equatable {
    static var validVersions: ClosedRange<Int16> { get }
    static func sample(version: Int16) -> Self
}

/// Encodes, decodes and re-encodes the sample of every version; returns a failure description or nil.
func roundTripFailures<T: RoundTripSample>(_ type: T.Type) -> [String] {
    var failures: [String] = []
    for version in T.validVersions {
        let original = T.sample(version: version)
        var writer = WireWriter(buffer: ByteBuffer())
        original.write(to: &writer, version: version)
        let encoded = writer.buffer
        var reading = encoded
        do {
            let decoded = try T(from: &reading, version: version)
            if reading.readableBytes != 0 {
                failures.append("\(T.self) v\(version): \(reading.readableBytes) bytes left after decoding")
            }
            if decoded != original {
                failures.append("\(T.self) v\(version): decoded value differs from the original")
            }
            var again = WireWriter(buffer: ByteBuffer())
            decoded.write(to: &again, version: version)
            if again.buffer != encoded {
                failures.append("\(T.self) v\(version): re-encoding changed the bytes")
            }
        } catch {
            failures.append("\(T.self) v\(version): decoding failed: \(error)")
        }
    }
    return failures
}

private func check<T: RoundTripSample>(_ type: T.Type) -> [String] { roundTripFailures(type) }

@Suite struct RoundTripTests {
    @Test func everyGeneratedMessageRoundTripsInEveryVersion() {
        #expect(allGeneratedSampleTypes.count >= 40)
        var failures: [String] = []
        var versionsChecked = 0
        for type in allGeneratedSampleTypes {
            failures += check(type)
            versionsChecked += type.validVersions.count
        }
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(40).joined(separator: "\n"))")
        #expect(versionsChecked > 500)
    }

    @Test func samplesAreNotDefaultValues() {
        // Guards the round trip against passing vacuously on empty messages.
        var writer = WireWriter(buffer: ByteBuffer())
        ProduceRequest.sample(version: 11).write(to: &writer, version: 11)
        var empty = WireWriter(buffer: ByteBuffer())
        ProduceRequest().write(to: &empty, version: 11)
        #expect(writer.buffer.readableBytes > empty.buffer.readableBytes + 20)
        #expect(ProduceRequest.sample(version: 11) != ProduceRequest())
    }

    @Test func truncatedInputThrowsForEveryPrefixOfASample() {
        let version: Int16 = 12
        var writer = WireWriter(buffer: ByteBuffer())
        MetadataResponse.sample(version: version).write(to: &writer, version: version)
        let full = writer.buffer
        for length in 0..<full.readableBytes {
            var prefix = full.getSlice(at: full.readerIndex, length: length)!
            #expect(throws: (any Error).self) { _ = try MetadataResponse(from: &prefix, version: version) }
        }
    }
}
