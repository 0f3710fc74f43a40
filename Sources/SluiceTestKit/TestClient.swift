import KafkaProtocol
import KafkaWire
import NIOCore
import NIOPosix

/// A minimal Kafka client for broker tests: sends one request at a time with the generated codecs
/// and decodes the response. Also sends raw bytes for bad-input tests.
public final class TestClient: Sendable {
    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private let iterator: IteratorBox
    private let correlation = CorrelationCounter()

    public static func connect(port: Int, host: String = "127.0.0.1") async throws -> TestClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ResponseFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return TestClient(channel: channel)
    }

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        self.iterator = IteratorBox(channel.inbound.makeAsyncIterator())
    }

    /// Sends `request` at `version` and returns the decoded response.
    public func send<Request: KafkaRequest>(
        _ request: Request, version: Int16, clientId: String? = "sluice-tests"
    ) async throws -> Request.Response {
        let apiKey = Request.apiKey
        var header = RequestHeader()
        header.requestApiKey = apiKey.rawValue
        header.requestApiVersion = version
        header.correlationId = correlation.next()
        header.clientId = clientId
        var writer = WireWriter(buffer: channel.channel.allocator.buffer(capacity: 256))
        writer.buffer.writeInteger(Int32(0))
        header.write(to: &writer, version: apiKey.requestHeaderVersion(for: version))
        request.write(to: &writer, version: version)
        writer.buffer.setInteger(Int32(writer.buffer.readableBytes - 4), at: 0)
        try await channel.outbound.write(writer.buffer)
        guard var frame = try await receiveFrame() else { throw TestClientError.closed }
        let responseHeader = try ResponseHeader(from: &frame, version: apiKey.responseHeaderVersion(for: version))
        guard responseHeader.correlationId == header.correlationId else {
            throw TestClientError.correlationMismatch(expected: header.correlationId, got: responseHeader.correlationId)
        }
        return try Request.Response(from: &frame, version: version)
    }

    /// Writes raw bytes (for malformed-input tests).
    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.outbound.write(ByteBuffer(bytes: bytes))
    }

    /// The next response frame body, or nil when the broker closed the connection.
    public func receiveFrame() async throws -> ByteBuffer? {
        try await iterator.next()
    }

    public func close() async {
        try? await channel.channel.close()
    }
}

public enum TestClientError: Error {
    case closed
    case correlationMismatch(expected: Int32, got: Int32)
}

private struct ResponseFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    var parser = KafkaFrameParser(maxFrameBytes: 512 << 20)

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard case .frame(let frame) = try parser.parseStep(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}

/// The inbound iterator, used by one test task at a time.
private final class IteratorBox: @unchecked Sendable {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> ByteBuffer? { try await iterator.next() }
}

private final class CorrelationCounter: @unchecked Sendable {
    private var value: Int32 = 0
    func next() -> Int32 {
        value &+= 1
        return value
    }
}
