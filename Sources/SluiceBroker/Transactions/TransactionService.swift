import KafkaProtocol
import KafkaRecords
import Logging
import NIOConcurrencyHelpers
import SluiceCoordinator
import SluiceStorage

/// The broker side of the transaction coordinator: owns the `TransactionCoordinator` under one
/// lock, persists what it decides in `__transaction_state` (fsynced before answering), writes the
/// COMMIT/ABORT markers itself (one node: no WriteTxnMarkers round trip), aborts timed-out
/// transactions, and at start replays the topic and finishes transactions a crash left prepared.
final class TransactionService: Sendable {
    let coordinator: NIOLockedValueBox<TransactionCoordinator>
    let storage: TransactionStorage
    let topics: TopicRegistry
    let groups: GroupService
    let producerIds: ProducerIdAllocator
    let appendSignal: AppendSignal
    let logger: Logger
    let cleanupIntervalMs: Int64
    /// `transactional.id.expiration.ms`.
    let idExpirationMs: Int64
    private let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// Ended transactions whose markers are being fsynced before their completion is recorded,
    /// by transactional id. The next request for that id waits for it instead of failing with
    /// CONCURRENT_TRANSACTIONS.
    private let completing = NIOLockedValueBox<Completions>(Completions())

    private struct Completions {
        var tasks: [String: (number: Int, task: Task<Void, Never>)] = [:]
        var next = 0
    }

    init(
        topics: TopicRegistry, groups: GroupService, producerIds: ProducerIdAllocator, appendSignal: AppendSignal,
        logger: Logger
    ) {
        let resolver = topics.resolver
        self.coordinator = NIOLockedValueBox(
            TransactionCoordinator(maxTimeoutMs: Int32(clamping: resolver.brokerInt("transaction.max.timeout.ms"))))
        self.storage = TransactionStorage(
            topics: topics, partitionCount: Int32(clamping: resolver.brokerInt("transaction.state.log.num.partitions")),
            logger: logger)
        self.topics = topics
        self.groups = groups
        self.producerIds = producerIds
        self.appendSignal = appendSignal
        self.logger = logger
        self.cleanupIntervalMs = resolver.brokerInt("transaction.abort.timed.out.transaction.cleanup.interval.ms")
        self.idExpirationMs = resolver.brokerInt("transactional.id.expiration.ms")
    }

    // MARK: Lifecycle

    /// Replays `__transaction_state`, writes the markers of transactions left prepared, starts the
    /// timeout clock. Call after the groups have replayed (their pending offsets await these markers).
    func start() async {
        let unfinished = coordinator.withLockedValue { coordinator in
            storage.replay(into: &coordinator)
            return coordinator.unfinished
        }
        let count = coordinator.withLockedValue { $0.transactions.count }
        if count > 0 { logger.info("replayed \(count) transactional ids") }
        for markers in unfinished {
            logger.info("completing transaction '\(markers.transactionalId)' (commit: \(markers.commit)) after restart")
            await finish(markers)
        }
        let interval = max(cleanupIntervalMs, 10)
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(interval))
                guard let self, !Task.isCancelled else { break }
                await self.abortTimedOut(now: currentTimeMillis())
                self.expireIdle(now: currentTimeMillis())
            }
        }
        timer.withLockedValue { $0 = task }
    }

    func stop() {
        timer.withLockedValue { $0?.cancel() }
    }

    /// Waits for the completions still being recorded, so shutdown closes the logs after them.
    func drain() async {
        for task in completing.withLockedValue({ $0.tasks.values.map(\.task) }) { await task.value }
    }

    // MARK: Requests

    /// InitProducerId with a transactional id. An open transaction of an older instance is aborted
    /// here (its markers written) before the new epoch is handed out, so the client does not retry.
    func initProducerId(transactionalId id: String, timeoutMs: Int32, expected: (Int64, Int16)?) async
        -> TransactionOutcome
    {
        var expected = expected
        await awaitCompletion(of: id)
        for _ in 0..<3 {
            let outcome = await perform { coordinator in
                try coordinator.initProducerId(
                    transactionalId: id, timeoutMs: timeoutMs, expected: expected, now: currentTimeMillis(),
                    allocate: producerIds.next)
            }
            guard let markers = outcome.markers else { return outcome }
            logger.info("transactional id '\(id)': a new producer fences epoch \(markers.producerEpoch - 1); aborting")
            await finish(markers)
            // The fence bumped the epoch: the caller's expectation no longer applies.
            expected = nil
        }
        return .init(error: .concurrentTransactions)
    }

    func addPartitions(transactionalId id: String, producerId: Int64, epoch: Int16, partitions: [TopicPartition])
        async -> TransactionOutcome
    {
        await awaitCompletion(of: id)
        return await perform { coordinator in
            coordinator.addPartitions(
                transactionalId: id, producerId: producerId, epoch: epoch, partitions: partitions,
                now: currentTimeMillis())
        }
    }

    /// EndTxn: persists the decision, appends the markers, and answers; the markers' fsync and
    /// the completion record follow in the background (as in Kafka, which answers once the
    /// decision is durable: a crash before the markers are on disk makes replay write them again).
    func endTransaction(transactionalId id: String, producerId: Int64, epoch: Int16, commit: Bool) async
        -> TransactionOutcome
    {
        await awaitCompletion(of: id)
        let outcome = await perform { coordinator in
            coordinator.endTransaction(
                transactionalId: id, producerId: producerId, epoch: epoch, commit: commit, now: currentTimeMillis())
        }
        guard let markers = outcome.markers else { return outcome }
        let written = writeMarkers(markers)
        // Created under the lock, so the task's own removal always comes after its insertion.
        completing.withLockedValue { completions in
            let number = completions.next
            completions.next += 1
            let task = Task {
                await self.complete(markers, after: written)
                self.completing.withLockedValue { completions in
                    if completions.tasks[id]?.number == number { completions.tasks[id] = nil }
                }
            }
            completions.tasks[id] = (number, task)
        }
        return outcome
    }

    /// Waits until the completion of `id`'s last ended transaction is recorded, if it is still pending.
    func awaitCompletion(of id: String) async {
        await completing.withLockedValue { $0.tasks[id]?.task }?.value
    }

    func checkOngoing(transactionalId id: String, producerId: Int64, epoch: Int16, partition: TopicPartition)
        -> ErrorCode
    {
        coordinator.withLockedValue {
            $0.checkOngoing(transactionalId: id, producerId: producerId, epoch: epoch, partition: partition)
        }
    }

    /// The state of `id` once any pending completion is recorded (DescribeTransactions).
    func settledMetadata(transactionalId id: String) async -> TransactionMetadata? {
        await awaitCompletion(of: id)
        return metadata(transactionalId: id)
    }

    func metadata(transactionalId id: String) -> TransactionMetadata? {
        coordinator.withLockedValue { $0.transactions[id] }
    }

    func allTransactions() -> [TransactionMetadata] {
        coordinator.withLockedValue { $0.transactions.values.sorted { $0.transactionalId < $1.transactionalId } }
    }

    // MARK: Markers and timeouts

    /// Aborts every transaction open past its timeout (fencing its producer with a bumped epoch).
    func abortTimedOut(now: Int64) async {
        let outcomes: [TransactionOutcome]
        let written: [(log: PartitionLog, through: Int64)]
        do {
            (outcomes, written) = try coordinator.withLockedValue { coordinator in
                let outcomes = try coordinator.abortTimedOut(now: now, allocate: producerIds.next)
                return (outcomes, try storage.append(outcomes.flatMap(\.records), now: now))
            }
        } catch {
            logger.error("aborting timed-out transactions failed: \(error)")
            return
        }
        // The decision is on disk before any marker, as for EndTxn.
        await flush(written)
        for markers in outcomes.compactMap(\.markers) {
            logger.info("transaction '\(markers.transactionalId)' timed out: aborting")
            await finish(markers)
        }
    }

    /// Forgets transactional ids unused for `transactional.id.expiration.ms` (tombstones in
    /// `__transaction_state`; no fsync is waited for: a lost tombstone only delays the expiry).
    func expireIdle(now: Int64) {
        do {
            try coordinator.withLockedValue { coordinator in
                let tombstones = coordinator.expireIdle(now: now, expirationMs: idExpirationMs)
                if !tombstones.isEmpty {
                    logger.info("expired \(tombstones.count) idle transactional ids")
                    _ = try storage.append(tombstones, now: now)
                }
            }
        } catch {
            logger.error("expiring transactional ids failed: \(error)")
        }
    }

    /// Writes the markers to every partition of the transaction (and applies or drops the pending
    /// offsets in `__consumer_offsets`), waits until they are on disk, then records completion.
    func finish(_ markers: TransactionMarkers) async {
        await complete(markers, after: writeMarkers(markers))
    }

    /// Appends the markers to every partition of the transaction; returns what to fsync.
    private func writeMarkers(_ markers: TransactionMarkers) -> [(log: PartitionLog, through: Int64)] {
        let now = currentTimeMillis()
        let type: ControlRecordType = markers.commit ? .commit : .abort
        var flushes: [(log: PartitionLog, through: Int64)] = []
        for partition in markers.partitions {
            do {
                flushes.append(
                    try writeMarker(
                        type, producerId: markers.producerId, epoch: markers.producerEpoch, to: partition, now: now))
            } catch let failure as KafkaFailure where failure.code == .unknownTopicOrPartition {
                // A deleted topic needs no marker (Kafka drops these too).
                logger.warning("no marker for \(partition.topic)-\(partition.partition): it no longer exists")
            } catch {
                logger.error("writing a \(type) marker to \(partition.topic)-\(partition.partition) failed: \(error)")
            }
        }
        return flushes
    }

    /// Once the markers are on disk, records the transaction's completion.
    private func complete(_ markers: TransactionMarkers, after flushes: [(log: PartitionLog, through: Int64)]) async {
        await flush(flushes)
        // The completion record is not waited for: if a crash loses it, no later record of this
        // id can have been persisted either (they follow it in the same partition, and every
        // request that writes one waits for its fsync), so replay finds the prepare state and
        // writes the same markers again, which changes nothing in the partitions.
        _ = await perform(waitForDisk: false) { coordinator in
            coordinator.complete(transactionalId: markers.transactionalId, now: currentTimeMillis())
        }
    }

    /// Appends one marker to `partition`; in `__consumer_offsets` it also applies or drops the
    /// producer's pending offsets. Returns what to fsync.
    func writeMarker(
        _ type: ControlRecordType, producerId: Int64, epoch: Int16, to partition: TopicPartition, now: Int64
    ) throws -> (log: PartitionLog, through: Int64) {
        guard let handle = topics.partition(partition.topic, partition.partition) else {
            throw KafkaFailure(.unknownTopicOrPartition, "\(partition.topic)-\(partition.partition) does not exist")
        }
        let batch = type.markerBatch(producerId: producerId, producerEpoch: epoch, timestamp: now)
        let result = try handle.log.append(batch, batchCount: 1, now: now)
        if partition.topic == GroupService.topicName {
            groups.completeTransaction(producerId: producerId, partition: partition.partition, commit: type == .commit)
        }
        appendSignal.appended(topic: partition.topic, partition: partition.partition)
        return (handle.log, result.lastOffset)
    }

    // MARK: Helpers

    /// Runs `body` on the coordinator, appends its records under the same lock (so the log keeps
    /// the order of decisions), then waits until they are on disk.
    private func perform(
        waitForDisk: Bool = true, _ body: (inout TransactionCoordinator) throws -> TransactionOutcome
    ) async -> TransactionOutcome {
        let result = coordinator.withLockedValue {
            coordinator -> Result<(TransactionOutcome, [(log: PartitionLog, through: Int64)]), any Error> in
            Result {
                let outcome = try body(&coordinator)
                return (outcome, try storage.append(outcome.records, now: currentTimeMillis()))
            }
        }
        switch result {
        case .failure(let error):
            logger.error("transaction coordinator write failed: \(error)")
            return TransactionOutcome(error: .coordinatorNotAvailable)
        case .success(let (outcome, flushes)):
            if waitForDisk { await flush(flushes) }
            return outcome
        }
    }

    /// Waits until every log is fsynced through its offset. The requests go to the flusher together,
    /// so one flusher round serves them all.
    func flush(_ flushes: [(log: PartitionLog, through: Int64)]) async {
        guard flushes.count > 1 else {
            if let flush = flushes.first { await self.flush(flush) }
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for flush in flushes { group.addTask { await self.flush(flush) } }
        }
    }

    private func flush(_ flush: (log: PartitionLog, through: Int64)) async {
        do {
            try await flush.log.flush(through: flush.through)
        } catch {
            logger.error("fsync during a transaction failed: \(error)")
        }
    }
}
