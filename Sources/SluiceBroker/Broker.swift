import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SluiceStorage

/// A single-node Kafka-compatible broker: storage, metadata, and the Kafka listener.
/// `start` opens (and if needed recovers) the data directory and binds; `run` serves until
/// `shutdown`, which closes connections, flushes every log and writes the clean-shutdown marker.
public final class Broker: Sendable {
    let services: BrokerServices
    private let listener: KafkaListener
    private let group: MultiThreadedEventLoopGroup
    private let maintenance: Task<Void, Never>
    /// Compacts topics with cleanup.policy=compact; nil with `log.cleaner.enable=false`.
    private let cleaner: LogCleaner?

    /// The port the listener is bound to (useful when started on port 0).
    public var port: Int { listener.port }
    public var options: BrokerOptions { services.options }

    public static func start(options: BrokerOptions, logger: Logger) async throws -> Broker {
        let logs = try LogManager(dataDirectory: options.dataDirectory, io: DiskFileIO(), logger: logger)
        let store = try EmbeddedMetadataStore(dataDirectory: options.dataDirectory)
        if !logs.wasCleanShutdown && !store.current().topics.isEmpty {
            logger.info("no clean-shutdown marker: checking the tails of the active segments")
        }
        let services = BrokerServices(options: options, store: store, logs: logs, logger: logger)
        try services.topics.load()
        services.groups.start()
        await services.transactions.start()
        return try await Broker(services: services)
    }

    private init(services: BrokerServices) async throws {
        self.services = services
        let logger = services.logger
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        self.group = group
        let resolver = services.topics.resolver
        let registry = Self.registry(services)
        do {
            listener = try await KafkaListener(
                host: services.options.listenHost, port: services.options.listenPort,
                maxFrameBytes: Int(resolver.brokerInt("socket.request.max.bytes")),
                registry: registry, deferred: services.deferredWork, group: group, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let boundPort = listener.port
        services.boundPort.withLockedValue { $0 = boundPort }
        let interval = max(resolver.brokerInt("log.retention.check.interval.ms"), 100)
        maintenance = Task { [logs = services.logs] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(interval))
                if Task.isCancelled { break }
                logs.maintain(now: currentTimeMillis())
            }
        }
        cleaner = Self.startCleaner(services)
        for key in services.options.ignoredConfigs {
            logger.warning("config '\(key)' is not used by Sluice and was ignored")
        }
        let (host, port) = services.advertised
        logger.info(
            "listening on \(services.options.listenHost):\(boundPort) (advertised as \(host):\(port), node \(services.nodeId))"
        )
    }

    /// The background log cleaner, configured by the `log.cleaner.*` broker configs.
    private static func startCleaner(_ services: BrokerServices) -> LogCleaner? {
        let resolver = services.topics.resolver
        guard resolver.brokerBool("log.cleaner.enable") else { return nil }
        var options = LogCleaner.Options()
        options.threads = Int(resolver.brokerInt("log.cleaner.threads"))
        options.backoffMs = resolver.brokerInt("log.cleaner.backoff.ms")
        options.maxIoBytesPerSecond =
            resolver.brokerValue("log.cleaner.io.max.bytes.per.second").flatMap(Double.init) ?? .greatestFiniteMagnitude
        options.settings.offsetMapCapacity = Int(resolver.brokerInt("log.cleaner.dedupe.buffer.size") / 24)
        return LogCleaner(options: options, logger: services.logger) { [logs = services.logs] in logs.allLogs }
    }

    /// Every API this broker serves; ApiVersions reports exactly these ranges.
    static func registry(_ services: BrokerServices) -> HandlerRegistry {
        let allocator = ByteBufferAllocator()
        let handlers: [RegisteredHandler] = [
            RegisteredHandler(ProduceHandler(broker: services), allocator: allocator),
            RegisteredHandler(FetchHandler(broker: services), allocator: allocator),
            RegisteredHandler(ListOffsetsHandler(broker: services), allocator: allocator),
            RegisteredHandler(MetadataHandler(broker: services), allocator: allocator),
            RegisteredHandler(CreateTopicsHandler(broker: services), allocator: allocator),
            RegisteredHandler(DeleteTopicsHandler(broker: services), allocator: allocator),
            RegisteredHandler(DeleteRecordsHandler(broker: services), allocator: allocator),
            RegisteredHandler(InitProducerIdHandler(broker: services), allocator: allocator),
            RegisteredHandler(AddPartitionsToTxnHandler(broker: services), allocator: allocator),
            RegisteredHandler(AddOffsetsToTxnHandler(broker: services), allocator: allocator),
            RegisteredHandler(EndTxnHandler(broker: services), allocator: allocator),
            RegisteredHandler(WriteTxnMarkersHandler(broker: services), allocator: allocator),
            RegisteredHandler(TxnOffsetCommitHandler(broker: services), allocator: allocator),
            RegisteredHandler(DescribeTransactionsHandler(broker: services), allocator: allocator),
            RegisteredHandler(ListTransactionsHandler(broker: services), allocator: allocator),
            RegisteredHandler(DescribeConfigsHandler(broker: services), allocator: allocator),
            RegisteredHandler(CreatePartitionsHandler(broker: services), allocator: allocator),
            RegisteredHandler(IncrementalAlterConfigsHandler(broker: services), allocator: allocator),
            RegisteredHandler(OffsetCommitHandler(broker: services), allocator: allocator),
            RegisteredHandler(OffsetFetchHandler(broker: services), allocator: allocator),
            RegisteredHandler(FindCoordinatorHandler(broker: services), allocator: allocator),
            RegisteredHandler(JoinGroupHandler(broker: services), allocator: allocator),
            RegisteredHandler(HeartbeatHandler(broker: services), allocator: allocator),
            RegisteredHandler(LeaveGroupHandler(broker: services), allocator: allocator),
            RegisteredHandler(SyncGroupHandler(broker: services), allocator: allocator),
            RegisteredHandler(DescribeGroupsHandler(broker: services), allocator: allocator),
            RegisteredHandler(ListGroupsHandler(broker: services), allocator: allocator),
            RegisteredHandler(DeleteGroupsHandler(broker: services), allocator: allocator),
            RegisteredHandler(OffsetDeleteHandler(broker: services), allocator: allocator),
            RegisteredHandler(ConsumerGroupHeartbeatHandler(broker: services), allocator: allocator),
            RegisteredHandler(ConsumerGroupDescribeHandler(broker: services), allocator: allocator),
        ]
        let ranges =
            (handlers.map { ($0.apiKey.rawValue, $0.versions) } + [
                (ApiKey.apiVersions.rawValue, ApiVersionsHandler.versions)
            ])
            .sorted { $0.0 < $1.0 }
            .map { (key: $0.0, versions: $0.1) }
        return HandlerRegistry(handlers + [RegisteredHandler(ApiVersionsHandler(ranges: ranges), allocator: allocator)])
    }

    /// Serves until `shutdown()` is called.
    public func run() async {
        await listener.run()
    }

    /// Stops accepting, closes connections, flushes and closes every log, writes the clean-shutdown marker.
    public func shutdown() async {
        services.logger.info("shutting down")
        maintenance.cancel()
        services.groups.stop()
        services.transactions.stop()
        await listener.close()
        // Wake long polls so they answer now; let fsync waits finish while the flusher still runs.
        services.appendSignal.wakeAll()
        await services.deferredWork.waitUntilIdle()
        await services.transactions.drain()
        // A pass in progress finishes its current group first; what it has not swapped in is dropped.
        cleaner?.shutdown()
        do {
            try services.logs.shutdown()
            services.logger.info("all logs flushed; clean shutdown")
        } catch {
            services.logger.error("flushing logs at shutdown failed: \(error)")
        }
        try? await group.shutdownGracefully()
    }
}
