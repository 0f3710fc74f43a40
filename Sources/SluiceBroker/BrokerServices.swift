import Logging
import NIOConcurrencyHelpers
import SluiceStorage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What handlers share: the broker's options, topics and partitions, and the small services around them.
final class BrokerServices: Sendable {
    let options: BrokerOptions
    let store: any MetadataStore
    let topics: TopicRegistry
    let logs: LogManager
    let appendSignal = AppendSignal()
    let deferredWork = DeferredWork()
    let producerIds: ProducerIdAllocator
    let logger: Logger
    /// Consumer groups and their committed offsets.
    let groups: GroupService
    /// Transactional ids and their transactions.
    let transactions: TransactionService

    init(options: BrokerOptions, store: any MetadataStore, logs: LogManager, logger: Logger) {
        self.options = options
        self.store = store
        self.logs = logs
        self.topics = TopicRegistry(store: store, logs: logs, options: options, logger: logger)
        self.producerIds = ProducerIdAllocator(store: store)
        self.logger = logger
        self.groups = GroupService(topics: topics, logger: logger)
        self.transactions = TransactionService(
            topics: topics, groups: groups, producerIds: producerIds, appendSignal: appendSignal, logger: logger)
    }

    /// The port actually bound (differs from the option when that was 0).
    let boundPort = NIOLockedValueBox<Int>(0)

    var nodeId: Int32 { options.nodeId }

    /// Host and port clients are told to connect to.
    var advertised: (host: String, port: Int) {
        let port =
            options.advertisedPort ?? (options.listenPort == 0 ? boundPort.withLockedValue { $0 } : options.listenPort)
        return (options.advertisedHost ?? Self.reachableHost(for: options.listenHost), port)
    }

    /// A wildcard listen address cannot be dialled; like Kafka, advertise the machine's host name.
    static func reachableHost(for listenHost: String) -> String {
        guard listenHost == "0.0.0.0" || listenHost == "::" else { return listenHost }
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count) == 0 else { return "127.0.0.1" }
        let bytes = name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Milliseconds since the epoch, the unit of Kafka timestamps.
func currentTimeMillis() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}
