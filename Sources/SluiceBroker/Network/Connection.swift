import KafkaProtocol
import KafkaWire
import Logging
import NIOCore

/// One client connection: reads request frames in order, runs each through its handler, and writes
/// the responses in request order. Appends happen in arrival order; waiting (fsync, long poll)
/// overlaps with the next requests. Malformed input closes this connection only.
struct Connection: Sendable {
    let registry: HandlerRegistry
    let logger: Logger

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

    func run(_ connection: NIOAsyncChannel<ByteBuffer, IOData>) async {
        let channel = connection.channel
        let peer = channel.remoteAddress?.description ?? "unknown peer"
        do {
            try await connection.executeThenClose { inbound, _ in
                let (replies, pending) = AsyncStream<PendingReply>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await Self.write(replies, to: channel) }
                    do {
                        for try await frame in inbound {
                            pending.yield(try await process(frame, peer: peer, allocator: channel.allocator))
                        }
                    } catch {
                        pending.finish()
                        group.cancelAll()
                        throw error
                    }
                    pending.finish()
                    try await group.waitForAll()
                }
            }
        } catch let error as Failure {
            logger.warning("closing connection from \(peer): \(error)")
        } catch let error as KafkaWireError {
            logger.warning("closing connection from \(peer): bad frame: \(error)")
        } catch {
            logger.info("connection from \(peer) ended: \(error)")
        }
    }

    private func process(_ frame: ByteBuffer, peer: String, allocator: ByteBufferAllocator) async throws -> PendingReply {
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
            let v0 = RequestContext(apiKey: apiKey, apiVersion: 0, correlationId: correlationId, clientId: nil, peer: peer)
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
            apiKey: apiKey, apiVersion: version, correlationId: correlationId, clientId: header.clientId, peer: peer)
        return try await handler.invoke(frame, context)
    }

    /// Writes replies in request order; waits on the socket only when it pushes back.
    private static func write(_ replies: AsyncStream<PendingReply>, to channel: any Channel) async throws {
        for await reply in replies {
            let response: EncodedResponse
            switch reply {
            case .ready(let ready): response = ready
            case .waiting(let task):
                // The client left: do not wait out a long poll for nobody.
                if !channel.isActive { task.cancel() }
                response = await task.value
            case .none: continue
            }
            let written = ResponseWriter.write(response, to: channel)
            if !channel.isWritable { try await written.get() }
        }
    }
}
