import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The TCP listener: accepts connections, gives each a frame decoder and a `Connection`, and keeps
/// track of open channels so a shutdown can close them and wait for them.
final class KafkaListener: Sendable {
    private let server: any Channel
    private let open: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    let logger: Logger

    var port: Int { server.localAddress?.port ?? 0 }

    init(
        host: String, port: Int, maxFrameBytes: Int, registry: HandlerRegistry, deferred: DeferredWork,
        group: any EventLoopGroup, logger: Logger
    ) async throws {
        self.logger = logger
        let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        self.open = open
        server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                open.withLockedValue { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in open.withLockedValue { _ = $0.removeValue(forKey: id) } }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(KafkaFrameDecoder(maxFrameBytes: maxFrameBytes)))
                    try channel.pipeline.syncOperations.addHandler(
                        Connection(registry: registry, deferred: deferred, logger: logger))
                }
            }
            .bind(host: host, port: port)
            .get()
    }

    /// Returns when the listener has been closed.
    func run() async {
        try? await server.closeFuture.get()
    }

    /// Stops accepting, closes every open connection and waits until they are closed.
    func close() async {
        try? await server.close()
        let channels = open.withLockedValue { Array($0.values) }
        for channel in channels {
            channel.close(promise: nil)
            try? await channel.closeFuture.get()
        }
    }
}
