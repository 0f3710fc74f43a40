import KafkaProtocol
import KafkaWire
import Logging
import NIOCore

/// One client connection, on its event loop: decodes each request frame, runs its handler right
/// there (appends happen in arrival order, with no thread hop), and writes responses in request
/// order. A handler's deferred part (an fsync wait, a long poll) runs as a task while later
/// requests proceed; its response waits for its turn. Reading pauses while too many responses are
/// outstanding or the socket pushes back, so one client cannot grow the broker's memory.
/// Malformed input closes this connection only.
final class Connection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = IOData

    /// Responses outstanding before the connection stops reading.
    static let maxOutstanding = 64

    private enum Slot {
        case waiting
        case ready(EncodedResponse)
        case none
    }

    enum Failure: Error, CustomStringConvertible {
        case malformedHeader
        case unknownApiKey(Int16)
        case notServed(ApiKey)
        case unsupportedVersion(ApiKey, Int16)

        var description: String {
            switch self {
            case .malformedHeader: return "malformed request header"
            case .unknownApiKey(let key): return "unknown API key \(key)"
            case .notServed(let key): return "API \(key.name) is not served"
            case .unsupportedVersion(let key, let version): return "unsupported version \(version) of \(key.name)"
            }
        }
    }

    private let registry: HandlerRegistry
    private let deferred: DeferredWork
    private let logger: Logger
    private var peer = "unknown peer"
    /// Responses not yet written, oldest first; `firstSequence` numbers the first of them.
    private var slots: [Slot] = []
    private var firstSequence = 0
    private var readingPaused = false

    init(registry: HandlerRegistry, deferred: DeferredWork, logger: Logger) {
        self.registry = registry
        self.deferred = deferred
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = context.remoteAddress?.description ?? "unknown peer"
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let reply: PendingReply
        do {
            reply = try process(frame, allocator: context.channel.allocator, eventLoop: context.eventLoop)
        } catch {
            close(context, because: error)
            return
        }
        switch reply {
        case .close(let reason):
            logger.info("closing connection from \(peer): \(reason)")
            context.close(promise: nil)
            return
        case .ready(let response) where slots.isEmpty:
            _ = ResponseWriter.write(response, to: context.channel)
        case .none where slots.isEmpty:
            break
        case .ready(let response):
            slots.append(.ready(response))
        case .none:
            slots.append(.none)
        case .future(let future):
            let sequence = firstSequence + slots.count
            slots.append(.waiting)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            future.whenComplete { result in
                let (connection, context) = bound.value
                switch result {
                case .success(let response): connection.complete(sequence, with: response, context: context)
                case .failure(let error): connection.close(context, because: error)
                }
            }
        case .waiting(let produce):
            let sequence = firstSequence + slots.count
            slots.append(.waiting)
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            Task { [deferred] in
                let response = await deferred.run(produce)
                loop.execute {
                    let (connection, context) = bound.value
                    connection.complete(sequence, with: response, context: context)
                }
            }
        }
        pauseReadingIfNeeded(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { resumeReadingIfPossible(context) } else { pauseReadingIfNeeded(context) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context, because: error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        slots.removeAll()
        context.fireChannelInactive()
    }

    // MARK: Ordering

    private func complete(_ sequence: Int, with response: EncodedResponse, context: ChannelHandlerContext) {
        let index = sequence - firstSequence
        guard context.channel.isActive, index >= 0, index < slots.count else { return }
        slots[index] = .ready(response)
        var wrote = false
        while let head = slots.first {
            switch head {
            case .waiting:
                break
            case .ready(let ready):
                _ = ResponseWriter.write(ready, to: context.channel)
                wrote = true
            case .none:
                break
            }
            if case .waiting = head { break }
            slots.removeFirst()
            firstSequence += 1
        }
        if wrote { context.flush() }
        resumeReadingIfPossible(context)
    }

    private func pauseReadingIfNeeded(_ context: ChannelHandlerContext) {
        guard !readingPaused, slots.count >= Self.maxOutstanding || !context.channel.isWritable else { return }
        readingPaused = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
    }

    private func resumeReadingIfPossible(_ context: ChannelHandlerContext) {
        guard readingPaused, slots.count < Self.maxOutstanding, context.channel.isWritable else { return }
        readingPaused = false
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        context.read()
    }

    private func close(_ context: ChannelHandlerContext, because error: any Error) {
        switch error {
        case let failure as Failure:
            logger.warning("closing connection from \(peer): \(failure)")
        case let wire as KafkaWireError:
            logger.warning("closing connection from \(peer): bad frame or body: \(wire)")
        case let channel as ChannelError where channel == .ioOnClosedChannel || channel == .alreadyClosed:
            return
        default:
            logger.info("closing connection from \(peer): \(error)")
        }
        context.close(promise: nil)
    }

    // MARK: Requests

    private func process(
        _ frame: ByteBuffer, allocator: ByteBufferAllocator, eventLoop: any EventLoop
    ) throws -> PendingReply {
        var frame = frame
        guard let rawKey = frame.getInteger(at: frame.readerIndex, as: Int16.self),
            let version = frame.getInteger(at: frame.readerIndex + 2, as: Int16.self),
            let correlationId = frame.getInteger(at: frame.readerIndex + 4, as: Int32.self)
        else { throw Failure.malformedHeader }
        guard let apiKey = ApiKey(rawValue: rawKey) else { throw Failure.unknownApiKey(rawKey) }
        guard let handler = registry.handler(for: rawKey) else { throw Failure.notServed(apiKey) }
        guard handler.versions.contains(version) else {
            guard apiKey == .apiVersions else { throw Failure.unsupportedVersion(apiKey, version) }
            // KIP-511: answer a too-new ApiVersions in the v0 format with our ranges, so the client
            // can pick a version. Only the correlation id is needed: the rest of a future header
            // may have a shape we do not know.
            let v0 = RequestContext(
                eventLoop: eventLoop, apiKey: apiKey, apiVersion: 0, correlationId: correlationId, clientId: nil,
                peer: peer)
            let body = ApiVersionsHandler.response(ranges: registry.ranges, error: .unsupportedVersion)
            return .ready(ResponseEncoder.encode(body, context: v0, allocator: allocator))
        }
        let header: RequestHeader
        do {
            header = try RequestHeader(from: &frame, version: apiKey.requestHeaderVersion(for: version))
        } catch {
            throw Failure.malformedHeader
        }
        let context = RequestContext(
            eventLoop: eventLoop, apiKey: apiKey, apiVersion: version, correlationId: correlationId,
            clientId: header.clientId, peer: peer)
        logger.trace("request \(apiKey) v\(version) #\(correlationId) from \(header.clientId ?? "-") at \(peer)")
        return try handler.invoke(frame, context)
    }
}
