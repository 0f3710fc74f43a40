import KafkaProtocol
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An asynchronous Kafka producer: batches records per partition, compresses, sends idempotently
/// by default, retries retriable failures, and keeps each partition's records in order.
///
/// ```swift
/// let producer = try await Producer(config: ProducerConfig(bootstrap: "127.0.0.1:9092"), logger: logger)
/// let where = try await producer.send(ProducerRecord(topic: "events", key: Array("k".utf8), value: Array("v".utf8)))
/// try await producer.close()
/// ```
public final class Producer: Sendable {
    let config: ProducerConfig
    let logger: Logger
    let cluster: ClusterMetadata
    let state: NIOLockedValueBox<ProducerState>
    private let wake: AsyncStream<Void>.Continuation
    private let sender: Task<Void, Never>
    let recordsSent = Counter(label: "sluice_client_producer_records")
    let batchesSent = Counter(label: "sluice_client_producer_batches")
    let retriesCounter = Counter(label: "sluice_client_producer_retries")

    /// Creates a producer. It connects on first use; with idempotence on it asks for a producer
    /// id before the first record.
    public init(config: ProducerConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        self.cluster = ClusterMetadata(config: config.client, logger: logger)
        self.state = NIOLockedValueBox(
            ProducerState(
                accumulator: RecordAccumulator(
                    batchSize: config.batchSize, linger: config.linger,
                    maxInFlight: config.idempotent
                        ? min(5, config.maxInFlightPerPartition) : config.maxInFlightPerPartition,
                    compression: config.compression),
                memoryLimit: config.bufferMemory, idempotent: config.idempotent))
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = continuation
        let senderLoop = WakeUpLoop<Producer> { await $0.drainAndSend() }
        self.sender = Task { await senderLoop.run(stream) }
        senderLoop.attach(self)
    }

    /// Sends one record and returns where it landed, once acknowledged (acks=0: once written,
    /// offset -1). Waits for buffer space when `bufferMemory` is used up.
    public func send(_ record: ProducerRecord) async throws -> RecordMetadata {
        let delivery = PendingDelivery()
        try await produce(record) { delivery.complete($0) }
        return try await delivery.result()
    }

    /// Queues one record and returns as soon as it is buffered (waiting only for buffer space);
    /// `onDelivery` is called when it is acknowledged or has failed for good. Use `flush` to wait
    /// for everything queued. This is the fast path for high throughput.
    public func produce(_ record: ProducerRecord, onDelivery: DeliveryCallback? = nil) async throws {
        let (first, now, timestamp, size) = try append(record, onDelivery: onDelivery)
        var attempt = first
        let blockedSince = ContinuousClock.now
        var backoff = config.client.retryBackoff
        while case .blocked(let reason) = attempt {
            if case .closed = reason { throw KafkaClientError.closed }
            if case .badPartition(let count) = reason {
                throw KafkaClientError.broker(
                    .unknownTopicOrPartition, context: "\(record.topic)-\(record.partition ?? -1) of \(count)")
            }
            do {
                switch reason {
                case .needsProducerId: try await ensureProducerId()
                case .unknownTopic: _ = try await partitionCount(of: record.topic)
                case .noMemory: try await waitForMemory(size)
                case .closed, .badPartition: break
                }
            } catch let error as KafkaClientError where error.isRetriable {
                // As the Java client's max.block.ms: metadata and the producer id may take a while.
                guard ContinuousClock.now - blockedSince < config.maxBlock else { throw error }
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, config.client.retryBackoffMax)
            }
            attempt = state.withLockedValue {
                $0.tryAppend(record, size: size, timestamp: timestamp, now: now, onDelivery)
            }
        }
        if case .appended(let outcome) = attempt { appended(outcome, now: now) }
    }

    /// Queues one record without suspending when nothing stands in the way (topic metadata and
    /// producer id known, buffer memory free) and returns true; returns false when the caller
    /// must use `produce` instead. Saves the async call per record in tight loops.
    public func tryProduce(_ record: ProducerRecord, onDelivery: DeliveryCallback? = nil) throws -> Bool {
        let (attempt, now, _, _) = try append(record, onDelivery: onDelivery)
        guard case .appended(let outcome) = attempt else { return false }
        appended(outcome, now: now)
        return true
    }

    /// One attempt to append under the lock: one clock read per record, the wall clock giving
    /// the timestamp and timing linger (as the Java client does; a clock step only makes a
    /// batch leave early or late).
    private func append(_ record: ProducerRecord, onDelivery: DeliveryCallback?) throws
        -> (ProducerState.AppendAttempt, now: UInt64, timestamp: Int64, size: Int)
    {
        let size = record.estimatedSize
        guard size <= config.maxRequestSize else {
            throw KafkaClientError.broker(.messageTooLarge, context: "record of \(size) bytes")
        }
        let now = Self.wallClockNanos()
        let timestamp = record.timestamp ?? Int64(now / 1_000_000)
        let attempt = state.withLockedValue {
            $0.tryAppend(record, size: size, timestamp: timestamp, now: now, onDelivery)
        }
        return (attempt, now, timestamp, size)
    }

    /// Wakes the sender for a full batch (or no linger), or schedules it for a new batch's linger.
    private func appended(_ outcome: RecordAccumulator.AppendOutcome, now: UInt64) {
        if outcome.closedFullBatch || config.linger <= .zero {
            wake.yield()
        } else if outcome.startedBatch {
            scheduleWake(at: now &+ UInt64(config.linger.milliseconds) * 1_000_000)
        }
    }

    /// Sends every buffered record now and waits until each is acknowledged or failed.
    public func flush() async throws {
        let empty = state.withLockedValue { state -> Bool in
            if state.accumulator.isEmpty { return true }
            state.accumulator.flushing = true
            return false
        }
        if empty { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLockedValue { state -> Bool in
                if state.accumulator.isEmpty { return true }
                state.flushWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
            wake.yield()
        }
    }

    /// Flushes, then closes connections. Later sends throw `closed`.
    public func close() async throws {
        try await flush()
        state.withLockedValue { $0.closed = true }
        wake.finish()
        await sender.value
        await cluster.close()
    }

    /// The number of partitions of `topic` (cached; the topic is auto-created if the broker does that).
    public func partitionCount(of topic: String) async throws -> Int {
        if let count = state.withLockedValue({ $0.partitionCounts[topic] }) { return count }
        let metadata = try await cluster.topic(topic, autoCreate: true)
        guard metadata.partitionCount > 0 else {
            throw KafkaClientError.broker(.leaderNotAvailable, context: "topic \(topic)")
        }
        state.withLockedValue { $0.partitionCounts[topic] = metadata.partitionCount }
        return metadata.partitionCount
    }

    /// Nanoseconds since the epoch; the producer's one clock (timestamps, linger, timeouts).
    static func wallClockNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    func wakeSender() { wake.yield() }

    /// Wakes the sender at `deadline` (`wallClockNanos`) unless a wake-up is due earlier.
    func scheduleWake(at deadline: UInt64) {
        let schedule = state.withLockedValue { state -> Bool in
            if let pending = state.timerDeadline, pending <= deadline { return false }
            state.timerDeadline = deadline
            return true
        }
        guard schedule else { return }
        let wake = self.wake
        let now = Self.wallClockNanos()
        let delay = TimeAmount.nanoseconds(Int64(deadline > now ? deadline - now : 0))
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: delay) { [state] in
            state.withLockedValue { if $0.timerDeadline == deadline { $0.timerDeadline = nil } }
            wake.yield()
        }
    }

    /// Waits until `size` bytes of buffer memory are free; they are reserved for the caller,
    /// which appends without reserving again (`ProducerState.reservedForWaiter`).
    private func waitForMemory(_ size: Int) async throws {
        wake.yield()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { state -> Bool in
                if state.reserve(size) {
                    state.reservedForWaiters += size
                    return true
                }
                state.memoryWaiters.append((size, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func ensureProducerId() async throws {
        let task = state.withLockedValue { state -> Task<Void, any Error>? in
            if state.accumulator.producerId >= 0 { return nil }
            if let task = state.initializing { return task }
            let task = Task { try await self.initProducerId() }
            state.initializing = task
            return task
        }
        guard let task else { return }
        do {
            try await task.value
        } catch {
            state.withLockedValue { $0.initializing = nil }
            throw error
        }
    }

    private func initProducerId() async throws {
        let (producerId, epoch) = try await requestProducerId()
        state.withLockedValue {
            $0.accumulator.producerId = producerId
            $0.accumulator.producerEpoch = epoch
        }
    }

    /// A fresh producer id and epoch from InitProducerId (retriable errors are retried).
    func requestProducerId() async throws -> (Int64, Int16) {
        var request = InitProducerIdRequest()
        request.transactionalId = nil
        request.transactionTimeoutMs = 60_000
        var backoff = config.client.retryBackoff
        while true {
            let connection = try await cluster.anyConnection()
            let answer = try await connection.send(request, timeout: config.client.requestTimeout.timeAmount)
            let code = ErrorCode(answer.errorCode)
            if code == .none {
                logger.debug(
                    "producer id assigned",
                    metadata: ["producerId": "\(answer.producerId)", "epoch": "\(answer.producerEpoch)"])
                return (answer.producerId.rawValue, answer.producerEpoch)
            }
            guard code.isRetriable else { throw KafkaClientError.broker(code, context: "InitProducerId") }
            try await Task.sleep(for: backoff)
            backoff = min(backoff * 2, config.client.retryBackoffMax)
        }
    }

    /// Once a producer id reset is pending and nothing is in flight, gets a new id and installs it.
    func startProducerIdResetIfQuiet() {
        let start = state.withLockedValue { state -> Bool in
            guard state.accumulator.resetPending, !state.resetting, state.accumulator.inFlightCount == 0 else {
                return false
            }
            state.resetting = true
            return true
        }
        guard start else { return }
        Task {
            while true {
                do {
                    let (producerId, epoch) = try await requestProducerId()
                    state.withLockedValue { state in
                        state.accumulator.install(producerId: producerId, epoch: epoch)
                        state.resetting = false
                    }
                    logger.info("idempotent producer starts over", metadata: ["producerId": "\(producerId)"])
                    wakeSender()
                    return
                } catch {
                    logger.warning("producer id reset failed, retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: config.client.retryBackoffMax)
                }
            }
        }
    }
}

/// Everything the producer changes under its lock.
struct ProducerState: Sendable {
    var accumulator: RecordAccumulator
    /// `bufferMemory`: bytes of records buffered or in flight before `produce` waits.
    let memoryLimit: Int
    var partitioner = Partitioner()
    var partitionCounts: [String: Int] = [:]
    var bufferedBytes = 0
    var memoryWaiters: [(size: Int, continuation: CheckedContinuation<Void, Never>)] = []
    var flushWaiters: [CheckedContinuation<Void, Never>] = []
    var timerDeadline: UInt64?
    var initializing: Task<Void, any Error>?
    var closed = false
    /// A new producer id is being asked for (see `startProducerIdResetIfQuiet`).
    var resetting = false
    /// Memory reserved for `produce` calls that waited for it and have not appended yet.
    var reservedForWaiters = 0
    let idempotent: Bool

    init(accumulator: RecordAccumulator, memoryLimit: Int, idempotent: Bool) {
        self.accumulator = accumulator
        self.memoryLimit = memoryLimit
        self.idempotent = idempotent
    }

    enum Blocker {
        case closed, needsProducerId, unknownTopic, noMemory
        case badPartition(Int)
    }

    enum AppendAttempt {
        case appended(RecordAccumulator.AppendOutcome)
        case blocked(Blocker)
    }

    /// Partitions and appends the record if nothing stands in the way; otherwise says what to
    /// wait for first.
    mutating func tryAppend(
        _ record: ProducerRecord, size: Int, timestamp: Int64, now: UInt64, _ callback: DeliveryCallback?
    ) -> AppendAttempt {
        if closed { return .blocked(.closed) }
        if idempotent, accumulator.producerId < 0 { return .blocked(.needsProducerId) }
        guard let partitionCount = partitionCounts[record.topic] else { return .blocked(.unknownTopic) }
        if let partition = record.partition, partition < 0 || Int(partition) >= partitionCount {
            return .blocked(.badPartition(partitionCount))
        }
        if reservedForWaiters >= size {
            reservedForWaiters -= size  // this caller waited for its memory (or one like it did)
        } else if !reserve(size) {
            return .blocked(.noMemory)
        }
        let partition =
            record.partition
            ?? partitioner.partition(topic: record.topic, key: record.key, partitionCount: partitionCount)
        let outcome = accumulator.append(
            record, to: TopicPartition(record.topic, partition), timestamp: timestamp, now: now, callback: callback)
        if outcome.closedFullBatch, record.key == nil, record.partition == nil {
            partitioner.batchClosed(topic: record.topic, partition: partition, partitionCount: partitionCount)
        }
        return .appended(outcome)
    }

    /// Takes `size` bytes of buffer memory if they fit (a record larger than the whole buffer
    /// still goes when the buffer is empty) and no one is waiting ahead.
    mutating func reserve(_ size: Int) -> Bool {
        guard memoryWaiters.isEmpty, bufferedBytes + size <= memoryLimit || bufferedBytes == 0 else { return false }
        bufferedBytes += size
        return true
    }

    /// Returns memory of finished batches and hands it to the waiters that now fit, in order.
    mutating func release(_ bytes: Int) -> [CheckedContinuation<Void, Never>] {
        bufferedBytes -= bytes
        var resumed: [CheckedContinuation<Void, Never>] = []
        while let first = memoryWaiters.first, bufferedBytes + first.size <= memoryLimit || bufferedBytes == 0 {
            memoryWaiters.removeFirst()
            bufferedBytes += first.size
            reservedForWaiters += first.size
            resumed.append(first.continuation)
        }
        return resumed
    }
}

/// One record's delivery report, awaited by `send`: the report may come before or after the
/// caller starts waiting.
final class PendingDelivery: Sendable {
    private enum Stage {
        case waiting
        case done(Result<RecordMetadata, KafkaClientError>)
        case awaited(CheckedContinuation<RecordMetadata, any Error>)
    }
    private let stage = NIOLockedValueBox(Stage.waiting)

    func complete(_ result: Result<RecordMetadata, KafkaClientError>) {
        let waiter = stage.withLockedValue { stage -> CheckedContinuation<RecordMetadata, any Error>? in
            if case .awaited(let continuation) = stage { return continuation }
            stage = .done(result)
            return nil
        }
        waiter?.resume(with: result.mapError { $0 })
    }

    func result() async throws -> RecordMetadata {
        try await withCheckedThrowingContinuation { continuation in
            let ready = stage.withLockedValue { stage -> Result<RecordMetadata, KafkaClientError>? in
                if case .done(let result) = stage { return result }
                stage = .awaited(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready.mapError { $0 }) }
        }
    }
}
