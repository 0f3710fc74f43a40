import KafkaProtocol
import KafkaWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One TCP connection to a broker: framed requests with correlation ids, pipelined (many
/// requests may be in flight; each caller awaits its own answer).
///
/// Requests are encoded on the caller's task; the correlation id is stamped into the frame on the
/// channel's event loop, where the pending-answer table lives, so ids follow the write order.
public final class BrokerConnection: Sendable {
    /// "host:port" of the peer, for messages.
    public let peer: String
    private let channel: any Channel
    private let pending: PendingAnswers
    /// Highest version of each API both sides speak (from ApiVersions at connect).
    let versions: NegotiatedVersions
    private let clientId: String

    /// Opens a connection and negotiates API versions.
    static func connect(
        host: String, port: Int, clientId: String, timeout: TimeAmount, logger: Logger
    ) async throws -> BrokerConnection {
        let pending = PendingAnswers(peer: "\(host):\(port)")
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(AnswerFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(AnswerDispatcher(pending: pending))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            logger.debug("connect failed", metadata: ["peer": "\(host):\(port)", "error": "\(error)"])
            throw KafkaClientError.connectionClosed("\(host):\(port) (\(error))")
        }
        let bootstrap = BrokerConnection(
            peer: "\(host):\(port)", channel: channel, pending: pending, versions: NegotiatedVersions(),
            clientId: clientId)
        let answer: ApiVersionsResponse
        do {
            answer = try await bootstrap.askApiVersions(timeout: timeout)
        } catch {
            await bootstrap.close()
            throw error
        }
        guard answer.errorCode == 0 else {
            await bootstrap.close()
            throw KafkaClientError.broker(ErrorCode(answer.errorCode), context: "ApiVersions")
        }
        return BrokerConnection(
            peer: bootstrap.peer, channel: channel, pending: pending,
            versions: NegotiatedVersions(answer.apiKeys.map { ($0.apiKey, $0.minVersion...$0.maxVersion) }),
            clientId: clientId)
    }

    /// ApiVersions v3 (flexible) first. A broker without v3 answers in the v0 format with
    /// UNSUPPORTED_VERSION (KIP-511), which may not even decode as v3: then ask again at v0.
    private func askApiVersions(timeout: TimeAmount) async throws -> ApiVersionsResponse {
        var request = ApiVersionsRequest()
        request.clientSoftwareName = "sluice-swift"
        request.clientSoftwareVersion = "0.1"
        do {
            let answer = try await send(request, version: 3, timeout: timeout)
            if answer.errorCode != ErrorCode.unsupportedVersion.rawValue { return answer }
        } catch KafkaClientError.malformedResponse {
            // the v0-format answer to a v3 request; the connection is still in step
        }
        return try await send(ApiVersionsRequest(), version: 0, timeout: timeout)
    }

    private init(
        peer: String, channel: any Channel, pending: PendingAnswers, versions: NegotiatedVersions, clientId: String
    ) {
        self.peer = peer
        self.channel = channel
        self.pending = pending
        self.versions = versions
        self.clientId = clientId
    }

    /// Whether the connection can still carry requests.
    public var isActive: Bool { channel.isActive }

    /// The version to use for `Request`: the highest both the broker and this client speak.
    func version<Request: KafkaRequest>(for request: Request.Type) throws -> Int16 {
        guard let version = versions.version(for: Request.apiKey) else {
            throw KafkaClientError.unsupportedApi(Request.apiKey)
        }
        return version
    }

    /// Sends `request` at the negotiated version and awaits its answer.
    public func send<Request: KafkaRequest>(_ request: Request, timeout: TimeAmount = .seconds(30)) async throws
        -> Request.Response
    {
        try await send(request, version: try version(for: Request.self), timeout: timeout)
    }

    /// Sends `request` at `version` and awaits its answer.
    func send<Request: KafkaRequest>(_ request: Request, version: Int16, timeout: TimeAmount) async throws
        -> Request.Response
    {
        try await dispatch(request, version: version, timeout: timeout).answer()
    }

    /// Writes `request` now and returns a handle to await its answer later. Requests dispatched
    /// one after another from one task reach the broker in that order (the producer relies on it
    /// for sequence numbers).
    func dispatch<Request: KafkaRequest>(_ request: Request, version: Int16, timeout: TimeAmount)
        -> PendingAnswer<Request>
    {
        let frame = encode(request, version: version)
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let pending = self.pending
        let channel = self.channel
        let peer = self.peer
        channel.eventLoop.execute {
            let id = pending.register(promise)
            var stamped = frame
            stamped.setInteger(id, at: stamped.readerIndex + 8)
            channel.writeAndFlush(stamped).whenFailure { error in pending.fail(id, error) }
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(KafkaClientError.timedOut("\(Request.apiKey) to \(peer)"))
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        return PendingAnswer(future: promise.futureResult, version: version, peer: peer)
    }

    /// Sends a request the broker does not answer (Produce with acks=0); returns once it is written.
    func sendWithoutAnswer<Request: KafkaRequest>(_ request: Request, version: Int16) async throws {
        let frame = encode(request, version: version)
        let pending = self.pending
        let channel = self.channel
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            var stamped = frame
            stamped.setInteger(pending.nextIdWithoutAnswer(), at: stamped.readerIndex + 8)
            channel.writeAndFlush(stamped, promise: written)
        }
        do {
            try await written.futureResult.get()
        } catch {
            throw KafkaClientError.connectionClosed(peer)
        }
    }

    private func encode<Request: KafkaRequest>(_ request: Request, version: Int16) -> ByteBuffer {
        var header = RequestHeader()
        header.requestApiKey = Request.apiKey.rawValue
        header.requestApiVersion = version
        header.correlationId = 0  // stamped on the event loop
        header.clientId = clientId
        var writer = WireWriter(buffer: channel.allocator.buffer(capacity: 512))
        writer.buffer.writeInteger(Int32(0))
        header.write(to: &writer, version: Request.apiKey.requestHeaderVersion(for: version))
        request.write(to: &writer, version: version)
        writer.buffer.setInteger(Int32(writer.buffer.readableBytes - 4), at: writer.buffer.readerIndex)
        return writer.buffer
    }

    /// Closes the connection; requests still waiting fail with `connectionClosed`.
    public func close() async {
        try? await channel.close()
    }
}

/// A request written to a broker whose answer has not been read yet.
struct PendingAnswer<Request: KafkaRequest>: Sendable {
    let future: EventLoopFuture<ByteBuffer>
    let version: Int16
    let peer: String

    /// Waits for the answer and decodes it.
    func answer() async throws -> Request.Response {
        var frame = try await future.get()
        do {
            _ = try ResponseHeader(from: &frame, version: Request.apiKey.responseHeaderVersion(for: version))
            return try Request.Response(from: &frame, version: version)
        } catch {
            throw KafkaClientError.malformedResponse("\(Request.apiKey) v\(version) from \(peer): \(error)")
        }
    }
}

/// Answers awaited on one connection, by correlation id. Touched only on the channel's event loop.
private final class PendingAnswers: @unchecked Sendable {
    let peer: String
    private var waiting: [Int32: EventLoopPromise<ByteBuffer>] = [:]
    private var nextId: Int32 = 0

    init(peer: String) { self.peer = peer }

    func register(_ promise: EventLoopPromise<ByteBuffer>) -> Int32 {
        let id = nextIdWithoutAnswer()
        waiting[id] = promise
        return id
    }

    func nextIdWithoutAnswer() -> Int32 {
        nextId = nextId == Int32.max ? 1 : nextId + 1
        return nextId
    }

    func answer(_ frame: ByteBuffer) {
        guard let id = frame.getInteger(at: frame.readerIndex, as: Int32.self) else { return }
        waiting.removeValue(forKey: id)?.succeed(frame)
    }

    func fail(_ id: Int32, _ error: any Error) {
        waiting.removeValue(forKey: id)?.fail(KafkaClientError.connectionClosed("\(peer) (\(error))"))
    }

    func failAll() {
        let all = waiting
        waiting = [:]
        for promise in all.values { promise.fail(KafkaClientError.connectionClosed(peer)) }
    }
}

private final class AnswerDispatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let pending: PendingAnswers

    init(pending: PendingAnswers) { self.pending = pending }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending.answer(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending.failAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pending.failAll()
        context.close(promise: nil)
    }
}

private struct AnswerFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    var parser = KafkaFrameParser(maxFrameBytes: 1 << 30)

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard case .frame(let frame) = try parser.parseStep(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}
