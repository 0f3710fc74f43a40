import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The TCP listener: accepts connections and runs each as a `Connection`, keeping track of open
/// channels so a shutdown can close them.
final class KafkaListener: Sendable {
    typealias ServerChannel = NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, IOData>, Never>

    private let server: ServerChannel
    private let connection: Connection
    private let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    /// Set once `run` has returned: every connection task has ended.
    private let finished = OneShotSignal()
    let logger: Logger

    var port: Int { server.channel.localAddress?.port ?? 0 }

    init(host: String, port: Int, maxFrameBytes: Int, connection: Connection, group: any EventLoopGroup, logger: Logger) async throws {
        self.connection = connection
        self.logger = logger
        server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(KafkaFrameDecoder(maxFrameBytes: maxFrameBytes)))
                    return try NIOAsyncChannel<ByteBuffer, IOData>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Accepts until the listener is closed, then waits for the open connections to end.
    func run() async {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await client in inbound {
                        let id = ObjectIdentifier(client.channel)
                        open.withLockedValue { $0[id] = client.channel }
                        group.addTask { [connection, open] in
                            await connection.run(client)
                            open.withLockedValue { _ = $0.removeValue(forKey: id) }
                        }
                    }
                }
            }
        } catch {
            logger.info("listener stopped: \(error)")
        }
        finished.fire()
    }

    /// Returns once `run` has returned.
    func waitUntilFinished() async {
        await finished.wait()
    }

    /// Stops accepting and closes every open connection.
    func close() async {
        try? await server.channel.close()
        let channels = open.withLockedValue { Array($0.values) }
        for channel in channels { try? await channel.close() }
    }
}
