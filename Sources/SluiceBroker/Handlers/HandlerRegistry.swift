import KafkaProtocol
import KafkaWire
import Logging
import NIOCore

/// A handler with its request type erased, so the connection can dispatch on the API key alone.
struct RegisteredHandler: Sendable {
    let apiKey: ApiKey
    let versions: ClosedRange<Int16>
    let invoke: @Sendable (ByteBuffer, RequestContext) throws -> PendingReply

    init<H: KafkaHandler>(_ handler: H, allocator: ByteBufferAllocator) {
        apiKey = H.Request.apiKey
        versions = H.versions
        invoke = { body, context in
            var body = body
            let request = try H.Request(from: &body, version: context.apiVersion)
            switch try handler.handle(request, context: context) {
            case .now(let response):
                return .ready(ResponseEncoder.encode(response, context: context, allocator: allocator))
            case .later(let produce):
                return .waiting { ResponseEncoder.encode(await produce(), context: context, allocator: allocator) }
            case .future(let future):
                return .future(future.map { ResponseEncoder.encode($0, context: context, allocator: allocator) })
            case .none:
                return .none
            case .closeConnection(let reason):
                return .close(reason)
            }
        }
    }
}

/// Every API the broker serves, by key.
struct HandlerRegistry: Sendable {
    private let handlers: [Int16: RegisteredHandler]

    init(_ handlers: [RegisteredHandler]) {
        self.handlers = Dictionary(uniqueKeysWithValues: handlers.map { ($0.apiKey.rawValue, $0) })
    }

    func handler(for key: Int16) -> RegisteredHandler? { handlers[key] }

    /// (key, min, max) for ApiVersions, ordered by key.
    var ranges: [(key: Int16, versions: ClosedRange<Int16>)] {
        handlers.values.map { ($0.apiKey.rawValue, $0.versions) }.sorted { $0.key < $1.key }
    }
}
