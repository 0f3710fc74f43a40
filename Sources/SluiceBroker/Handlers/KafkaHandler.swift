import KafkaProtocol
import KafkaWire
import NIOCore

/// What the broker knows about a request besides its body.
public struct RequestContext: Sendable {
    /// The connection's event loop: handlers make promises on it for `.future` replies.
    public let eventLoop: any EventLoop
    public let apiKey: ApiKey
    public let apiVersion: Int16
    public let correlationId: Int32
    public let clientId: String?
    public let peer: String
}

/// A handler's answer. `handle` runs on the connection's event loop, in request order, and does the
/// work that must happen in that order (appends) without blocking on anything slow; waiting (for an
/// fsync, or for data in a long-poll fetch) goes in `.later`, so the connection can read and append
/// the next request meanwhile. Responses still go out in request order.
public enum HandlerReply<Response: KafkaMessage>: Sendable {
    case now(Response)
    case later(@Sendable () async -> Response)
    /// Completed by a callback, e.g. from the flusher thread; cheaper than `.later` (no task).
    case future(EventLoopFuture<Response>)
    /// No response at all (produce with acks=0).
    case none
    /// Close the connection: how a broker tells an acks=0 producer that something failed.
    case closeConnection(String)
}

/// One Kafka API. Each conforming type lives in `Handlers/NN_Name.swift`, declares the versions it
/// serves, and those ranges are what ApiVersions reports.
public protocol KafkaHandler: Sendable {
    associatedtype Request: KafkaRequest
    /// Versions served: the ranges Apache Kafka 4.0 serves.
    static var versions: ClosedRange<Int16> { get }
    func handle(_ request: Request, context: RequestContext) throws -> HandlerReply<Request.Response>
}

/// An encoded response frame (length prefix included) and the file ranges to splice into it.
public struct EncodedResponse: Sendable {
    public var buffer: ByteBuffer
    public var splices: [FileSplice]
}

/// A request's outcome as the connection sees it.
enum PendingReply: Sendable {
    case ready(EncodedResponse)
    case waiting(@Sendable () async -> EncodedResponse)
    case future(EventLoopFuture<EncodedResponse>)
    case none
    case close(String)
}

enum ResponseEncoder {
    /// Frames `response`: length prefix, response header (v0, or v1 for flexible versions), body.
    static func encode<Response: KafkaMessage>(
        _ response: Response, context: RequestContext, allocator: ByteBufferAllocator
    ) -> EncodedResponse {
        var writer = WireWriter(buffer: allocator.buffer(capacity: 256))
        writer.buffer.writeInteger(Int32(0))  // length, patched below
        var header = ResponseHeader()
        header.correlationId = context.correlationId
        header.write(to: &writer, version: context.apiKey.responseHeaderVersion(for: context.apiVersion))
        response.write(to: &writer, version: context.apiVersion)
        let length = writer.totalByteCount - 4
        writer.buffer.setInteger(Int32(length), at: writer.buffer.readerIndex)
        return EncodedResponse(buffer: writer.buffer, splices: writer.splices)
    }
}
