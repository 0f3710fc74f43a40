import KafkaProtocol
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// An asynchronous Kafka consumer: manual assignment or group subscription (classic protocol
/// with cooperative-sticky, or KIP-848), records as an `AsyncSequence` or by `poll`, commits
/// (sync, async, automatic), seek, pause/resume, read_committed, and prefetching: the next
/// records are fetched while the application handles the current ones.
///
/// It is a `Service`: run it in a `ServiceGroup` and graceful shutdown closes it (committing
/// and leaving the group).
public final class Consumer: Sendable, Service {
    let config: ConsumerConfig
    let logger: Logger
    let cluster: ClusterMetadata
    let state = NIOLockedValueBox(ConsumerState())
    let fetchWake: AsyncStream<Void>.Continuation
    private let fetchWakeUps: AsyncStream<Void>
    private let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])
    let membership = NIOLockedValueBox<(any GroupMembership)?>(nil)
    let recordsConsumed = Counter(label: "sluice_client_consumer_records")

    public init(config: ConsumerConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        self.cluster = ClusterMetadata(config: config.client, logger: logger)
        (fetchWakeUps, fetchWake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let fetcher = WakeUpLoop<Consumer> { await $0.fetchRound() }
        let wakeUps = fetchWakeUps
        tasks.withLockedValue { $0.append(Task { await fetcher.run(wakeUps) }) }
        fetcher.attach(self)
    }

    /// Reads exactly these partitions, without a group's assignment (commits still go to
    /// `groupId` if set). Replaces any earlier assignment.
    public func assign(_ partitions: [TopicPartition]) throws {
        try state.withLockedValue { state in
            guard state.subscription == .none || state.subscription == .manual else {
                throw KafkaClientError.invalidArgument("assign after subscribe")
            }
            state.subscription = .manual
            let wanted = Set(partitions)
            state.partitions = state.partitions.filter { wanted.contains($0.key) }
            for partition in wanted where state.partitions[partition] == nil {
                state.partitions[partition] = PartitionProgress()
            }
        }
        fetchWake.yield()
    }

    /// Joins the group (`groupId` required) and reads the partitions it assigns.
    public func subscribe(topics: [String]) throws {
        try startMembership(.topics(topics.sorted()))
    }

    /// Subscribes to every topic whose whole name matches `pattern` (a regular expression).
    public func subscribe(pattern: String) throws {
        try startMembership(.pattern(pattern))
    }

    private func startMembership(_ subscription: Subscription) throws {
        guard let group = config.groupId else { throw KafkaClientError.invalidArgument("subscribe needs a groupId") }
        try state.withLockedValue { state in
            guard state.subscription == .none else {
                throw KafkaClientError.invalidArgument("already assigned or subscribed")
            }
            state.subscription = subscription
        }
        let member: any GroupMembership =
            switch config.groupProtocol {
            case .classic: ClassicGroupMember(consumer: self, group: group, subscription: subscription)
            case .consumer: ConsumerProtocolMember(consumer: self, group: group, subscription: subscription)
            }
        membership.withLockedValue { $0 = member }
        tasks.withLockedValue { $0.append(Task { await member.run() }) }
    }

    /// The partitions currently assigned.
    public var assignment: Set<TopicPartition> {
        Set(state.withLockedValue { $0.partitions.keys })
    }

    /// Next offset `poll` returns for `partition` (nil before it is known).
    public func position(_ partition: TopicPartition) -> Int64? {
        state.withLockedValue { $0.partitions[partition]?.position }
    }

    /// Waits up to `timeout` for records and returns up to `maxPollRecords` of them (empty on
    /// timeout). With auto-commit on, first commits what earlier polls returned, when due.
    public func poll(timeout: Duration = .seconds(1)) async throws -> [ConsumerRecord] {
        let deadline = NIODeadline.now() + timeout.timeAmount
        try await autoCommitIfDue()
        while true {
            let (records, closed, failure) = state.withLockedValue { state in
                let failure = state.pendingError
                state.pendingError = nil
                return (state.take(limit: config.maxPollRecords), state.closed, failure)
            }
            if closed { throw KafkaClientError.closed }
            if let failure { throw failure }
            if !records.isEmpty {
                fetchWake.yield()
                recordsConsumed.increment(by: records.count)
                return records
            }
            if NIODeadline.now() >= deadline || Task.isCancelled { return [] }
            await waitForRecords(until: deadline)
        }
    }

    /// The records as an endless sequence (ends when the consumer closes).
    public var records: ConsumerRecordSequence { ConsumerRecordSequence(consumer: self) }

    private func waitForRecords(until deadline: NIODeadline) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id = state.withLockedValue { state -> Int in
                state.nextWaiterId += 1
                state.pollWaiters[state.nextWaiterId] = continuation
                return state.nextWaiterId
            }
            MultiThreadedEventLoopGroup.singleton.any().scheduleTask(deadline: deadline) { [state] in
                state.withLockedValue { $0.pollWaiters.removeValue(forKey: id) }?.resume()
            }
        }
    }

    /// Wakes pollers (records arrived, the assignment changed, the consumer closed).
    func notifyPollers() {
        for waiter in state.withLockedValue({ $0.takeWaiters() }) { waiter.resume() }
    }

    /// Next `poll` returns records of `partition` from `offset` on.
    public func seek(_ partition: TopicPartition, to offset: Int64) throws {
        try state.withLockedValue { state in
            guard state.partitions[partition] != nil else {
                throw KafkaClientError.invalidArgument("\(partition) is not assigned")
            }
            state.partitions[partition]!.seek(to: offset)
        }
        fetchWake.yield()
    }

    /// Seeks each partition to the first offset at or after `spec` (earliest, latest, a time).
    public func seek(_ partitions: [TopicPartition], to spec: OffsetSpec) async throws {
        let offsets = try await cluster.listOffsets(partitions, spec: spec, isolation: config.isolationLevel)
        for (partition, found) in offsets {
            var offset = found.offset
            if offset < 0, case .timestamp = spec {  // no record that late: the end
                offset = try await cluster.listOffsets([partition], spec: .latest)[partition]?.offset ?? 0
            }
            try seek(partition, to: offset)
        }
    }

    /// Stops returning (and fetching) records of these partitions until `resume`.
    public func pause(_ partitions: [TopicPartition]) {
        state.withLockedValue { state in
            for partition in partitions { state.partitions[partition]?.paused = true }
        }
    }

    public func resume(_ partitions: [TopicPartition]) {
        state.withLockedValue { state in
            for partition in partitions { state.partitions[partition]?.paused = false }
        }
        fetchWake.yield()
    }

    /// The paused partitions.
    public var paused: Set<TopicPartition> {
        Set(state.withLockedValue { $0.partitions.filter(\.value.paused).keys })
    }

    /// Stops fetching, commits (with auto-commit on), leaves the group, closes connections.
    public func close() async {
        if state.withLockedValue({ $0.closed }) { return }
        if config.enableAutoCommit, config.groupId != nil { try? await commit() }
        if let member = membership.withLockedValue({ $0 }) { await member.leave() }
        state.withLockedValue { $0.closed = true }
        notifyPollers()
        fetchWake.finish()
        for task in tasks.withLockedValue({ $0 }) { task.cancel() }
        await cluster.close()
    }

    /// Runs until graceful shutdown of its service group, then closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

/// The consumer's records one at a time, polling as needed. Ends when the consumer closes.
public struct ConsumerRecordSequence: AsyncSequence, Sendable {
    public typealias Element = ConsumerRecord
    let consumer: Consumer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: Consumer
        var pending: [ConsumerRecord] = []
        var index = 0

        public mutating func next() async throws -> ConsumerRecord? {
            while index == pending.count {
                if Task.isCancelled { return nil }
                do {
                    pending = try await consumer.poll(timeout: .seconds(1))
                } catch KafkaClientError.closed {
                    return nil
                }
                index = 0
            }
            defer { index += 1 }
            return pending[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
}
