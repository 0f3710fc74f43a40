import KafkaProtocol
import NIOCore
import SluiceTestKit
import Testing

/// Frames with a valid length prefix and header but random bodies, for every served API and
/// version: each must get a response or a closed connection, and the broker must keep serving.
@Suite("Random request bodies")
struct RandomFrameFuzzTests {
    @Test func randomBodiesNeverTakeTheBrokerDown() async throws {
        let broker = try await TestBroker.start()
        let setup = try await TestClient.connect(port: broker.port)
        _ = try await setup.send(Requests.createTopic("fuzz", partitions: 2), version: 7)
        let ranges = try await setup.send(ApiVersionsRequest(), version: 3).apiKeys
        var generator = SplitMix64(seed: 0x5EED)
        var answered = 0
        var closed = 0
        for round in 0..<1000 {
            let api = ranges[Int(generator.next() % UInt64(ranges.count))]
            let span = UInt64(api.maxVersion - api.minVersion + 1)
            let version = api.minVersion + Int16(generator.next() % span)
            let client = try await TestClient.connect(port: broker.port)
            var frame = ByteBuffer()
            frame.writeInteger(Int32(0))
            frame.writeInteger(api.apiKey)
            frame.writeInteger(version)
            frame.writeInteger(Int32(round))
            frame.writeInteger(Int16(-1))  // null client id
            if ApiKey(rawValue: api.apiKey)!.requestHeaderVersion(for: version) >= 2 { frame.writeInteger(UInt8(0)) }
            let bodyLength = Int(generator.next() % 96)
            for _ in 0..<bodyLength { frame.writeInteger(UInt8(truncatingIfNeeded: generator.next())) }
            frame.setInteger(Int32(frame.readableBytes - 4), at: 0)
            try await client.sendRaw(Array(frame.readableBytesView))
            if try await client.receiveFrame() != nil { answered += 1 } else { closed += 1 }
            await client.close()
        }
        // Both outcomes must occur, or the fuzzer is not reaching the decoders.
        #expect(answered > 0)
        #expect(closed > 0)
        let after = try await setup.send(ApiVersionsRequest(), version: 3)
        #expect(after.errorCode == 0)
        let fetched = try await setup.send(Requests.fetch("fuzz", offset: 0), version: 12)
        #expect(fetched.responses.first?.partitions.first?.errorCode == 0)
        await setup.close()
        await broker.stopAndRemove()
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
