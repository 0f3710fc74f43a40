import KafkaProtocol

/// COMMIT or ABORT markers the broker must write, with this producer id and epoch, to every
/// partition of a transaction before calling `TransactionCoordinator.complete`.
public struct TransactionMarkers: Sendable, Equatable {
    public var transactionalId: String
    public var producerId: Int64
    public var producerEpoch: Int16
    public var commit: Bool
    public var partitions: [TopicPartition]
}

/// What one coordinator operation decided: records to append to `__transaction_state` (before
/// answering), markers to write (then `complete`), and the error for the client.
public struct TransactionOutcome: Sendable, Equatable {
    public var error: ErrorCode = .none
    public var records: [TransactionRecord] = []
    public var markers: TransactionMarkers?
    /// The producer id and epoch the client continues with.
    public var producerId: Int64 = -1
    public var producerEpoch: Int16 = -1

    public init(
        error: ErrorCode = .none, records: [TransactionRecord] = [], markers: TransactionMarkers? = nil,
        producerId: Int64 = -1, producerEpoch: Int16 = -1
    ) {
        self.error = error
        self.records = records
        self.markers = markers
        self.producerId = producerId
        self.producerEpoch = producerEpoch
    }

    static func failure(_ error: ErrorCode) -> TransactionOutcome { TransactionOutcome(error: error) }
}

/// The transaction coordinator of one node: every transactional id's `TransactionMetadata`, and
/// Kafka 4.0's rules (transaction version 1: the epoch is bumped by InitProducerId and by fencing,
/// KIP-360 lets a producer recover its id) for moving between states. No I/O: each method returns
/// the records to persist and the markers to write; `replay` rebuilds the state from the records.
public struct TransactionCoordinator: Sendable {
    public private(set) var transactions: [String: TransactionMetadata] = [:]
    /// `transaction.max.timeout.ms`: a producer asking for longer gets INVALID_TRANSACTION_TIMEOUT.
    public var maxTimeoutMs: Int32

    public init(maxTimeoutMs: Int32 = 900_000) {
        self.maxTimeoutMs = maxTimeoutMs
    }

    /// Takes in a record read back from `__transaction_state`; the last one per id wins.
    public mutating func replay(_ record: TransactionRecord) {
        switch record {
        case .metadata(let metadata): transactions[metadata.transactionalId] = metadata
        case .tombstone(let id): transactions[id] = nil
        }
    }

    /// Transactions left between EndTxn and their markers (by a crash): their markers must be written again.
    public var unfinished: [TransactionMarkers] {
        transactions.values.filter(\.state.isPreparing).sorted { $0.transactionalId < $1.transactionalId }.map {
            markers(for: $0, commit: $0.state == .prepareCommit)
        }
    }

    // MARK: InitProducerId

    /// InitProducerId with a transactional id. `expected` is the producer id and epoch the client
    /// already has (KIP-360, v3+), or nil. An open transaction is aborted first: the outcome then
    /// carries PrepareAbort and markers (fencing the old producer with a bumped epoch) and
    /// CONCURRENT_TRANSACTIONS; once `complete` has run, the same call succeeds.
    public mutating func initProducerId(
        transactionalId id: String, timeoutMs: Int32, expected: (producerId: Int64, epoch: Int16)?, now: Int64,
        allocate: () throws -> Int64
    ) rethrows -> TransactionOutcome {
        guard timeoutMs > 0, timeoutMs <= maxTimeoutMs else { return .failure(.invalidTransactionTimeout) }
        guard var metadata = transactions[id], metadata.state != .dead else {
            var fresh = TransactionMetadata(
                transactionalId: id, producerId: try allocate(), producerEpoch: 0, timeoutMs: timeoutMs, state: .empty,
                now: now)
            fresh.lastUpdateTimestamp = now
            return store(fresh)
        }
        if let expected, expected.producerId >= 0 {
            let isCurrent = expected.producerId == metadata.producerId && expected.epoch == metadata.producerEpoch
            let isRetry =
                (expected.producerId == metadata.producerId && expected.epoch == metadata.lastProducerEpoch)
                || (expected.producerId == metadata.previousProducerId && metadata.producerEpoch == 0)
            if isRetry
                && (metadata.state == .empty || metadata.state == .completeAbort
                    || metadata.state == .completeCommit)
            {
                var outcome = TransactionOutcome()
                outcome.producerId = metadata.producerId
                outcome.producerEpoch = metadata.producerEpoch
                return outcome
            }
            if !isCurrent { return .failure(.producerFenced) }
        }
        switch metadata.state {
        case .prepareCommit, .prepareAbort, .prepareEpochFence:
            return .failure(.concurrentTransactions)
        case .ongoing:
            // A new instance fences the old one: abort its transaction under a bumped epoch.
            return try abort(&metadata, now: now, allocate: allocate, error: .concurrentTransactions)
        case .empty, .completeCommit, .completeAbort, .dead:
            try metadata.bumpEpoch(allocate: allocate)
            metadata.timeoutMs = timeoutMs
            metadata.partitions = []
            metadata.startTimestamp = -1
            metadata.transition(to: .empty, now: now)
            return store(metadata)
        }
    }

    // MARK: AddPartitionsToTxn, AddOffsetsToTxn

    /// Adds partitions to the producer's transaction, opening it if none is.
    public mutating func addPartitions(
        transactionalId id: String, producerId: Int64, epoch: Int16, partitions: [TopicPartition], now: Int64
    ) -> TransactionOutcome {
        var metadata: TransactionMetadata
        switch validate(id, producerId: producerId, epoch: epoch) {
        case .failure(let error): return .failure(error)
        case .success(let found): metadata = found
        }
        switch metadata.state {
        case .prepareCommit, .prepareAbort, .prepareEpochFence: return .failure(.concurrentTransactions)
        case .dead: return .failure(.invalidProducerIdMapping)
        case .ongoing where metadata.partitions.isSuperset(of: partitions):
            return TransactionOutcome(producerId: metadata.producerId, producerEpoch: metadata.producerEpoch)
        case .ongoing, .empty, .completeCommit, .completeAbort:
            if metadata.state != .ongoing {
                metadata.partitions = []
                metadata.startTimestamp = now
            }
            metadata.partitions.formUnion(partitions)
            metadata.transition(to: .ongoing, now: now)
            return store(metadata)
        }
    }

    /// Checks that `producerId`/`epoch` own an open transaction holding `partition` (TxnOffsetCommit).
    public func checkOngoing(transactionalId id: String, producerId: Int64, epoch: Int16, partition: TopicPartition)
        -> ErrorCode
    {
        switch validate(id, producerId: producerId, epoch: epoch) {
        case .failure(let error): return error
        case .success(let metadata):
            guard metadata.state == .ongoing, metadata.partitions.contains(partition) else { return .invalidTxnState }
            return .none
        }
    }

    // MARK: EndTxn

    /// EndTxn: commit or abort the producer's open transaction. A retry of an EndTxn that already
    /// completed succeeds; one still writing markers gets CONCURRENT_TRANSACTIONS.
    public mutating func endTransaction(
        transactionalId id: String, producerId: Int64, epoch: Int16, commit: Bool, now: Int64
    ) -> TransactionOutcome {
        var metadata: TransactionMetadata
        switch validate(id, producerId: producerId, epoch: epoch) {
        case .failure(let error): return .failure(error)
        case .success(let found): metadata = found
        }
        let done = TransactionOutcome(producerId: metadata.producerId, producerEpoch: metadata.producerEpoch)
        switch metadata.state {
        case .ongoing:
            metadata.transition(to: commit ? .prepareCommit : .prepareAbort, now: now)
            var outcome = store(metadata)
            outcome.markers = markers(for: metadata, commit: commit)
            return outcome
        case .completeCommit: return commit ? done : .failure(.invalidTxnState)
        case .completeAbort: return commit ? .failure(.invalidTxnState) : done
        case .prepareCommit: return commit ? .failure(.concurrentTransactions) : .failure(.invalidTxnState)
        case .prepareAbort: return commit ? .failure(.invalidTxnState) : .failure(.concurrentTransactions)
        case .empty, .dead, .prepareEpochFence: return .failure(.invalidTxnState)
        }
    }

    /// Called once every marker of a prepared transaction is written: CompleteCommit or CompleteAbort.
    public mutating func complete(transactionalId id: String, now: Int64) -> TransactionOutcome {
        guard var metadata = transactions[id], metadata.state.isPreparing else { return .failure(.invalidTxnState) }
        metadata.transition(to: metadata.state == .prepareCommit ? .completeCommit : .completeAbort, now: now)
        metadata.partitions = []
        metadata.startTimestamp = -1
        return store(metadata)
    }

    // MARK: Timeouts

    /// Aborts, under a bumped epoch, every transaction open longer than its timeout. One outcome
    /// per aborted transaction, each with its PrepareAbort record and ABORT markers.
    public mutating func abortTimedOut(now: Int64, allocate: () throws -> Int64) rethrows -> [TransactionOutcome] {
        var outcomes: [TransactionOutcome] = []
        for id in transactions.keys.sorted() {
            guard var metadata = transactions[id], metadata.state == .ongoing,
                now - metadata.startTimestamp > Int64(metadata.timeoutMs)
            else { continue }
            outcomes.append(try abort(&metadata, now: now, allocate: allocate, error: .none))
        }
        return outcomes
    }

    /// Forgets transactional ids with no transaction open (Empty, CompleteCommit, CompleteAbort)
    /// whose last update is at least `expirationMs` old (Kafka's `transactional.id.expiration.ms`):
    /// their tombstones, which let compaction drop the id's records.
    public mutating func expireIdle(now: Int64, expirationMs: Int64) -> [TransactionRecord] {
        let idle = transactions.values.filter {
            ($0.state == .empty || $0.state == .completeCommit || $0.state == .completeAbort)
                && now - $0.lastUpdateTimestamp >= expirationMs
        }.map(\.transactionalId).sorted()
        for id in idle { transactions[id] = nil }
        return idle.map { .tombstone(transactionalId: $0) }
    }

    // MARK: Helpers

    private mutating func abort(
        _ metadata: inout TransactionMetadata, now: Int64, allocate: () throws -> Int64, error: ErrorCode
    ) rethrows -> TransactionOutcome {
        // The markers carry the bumped epoch, so the old producer's late writes are fenced.
        try metadata.bumpEpoch(allocate: allocate)
        metadata.transition(to: .prepareAbort, now: now)
        var outcome = store(metadata)
        outcome.markers = markers(for: metadata, commit: false)
        outcome.error = error
        return outcome
    }

    private enum Validation {
        case success(TransactionMetadata)
        case failure(ErrorCode)
    }

    /// Kafka's checks for a request naming a transactional id, a producer id and an epoch.
    private func validate(_ id: String, producerId: Int64, epoch: Int16) -> Validation {
        guard let metadata = transactions[id] else { return .failure(.invalidProducerIdMapping) }
        guard metadata.producerId == producerId else { return .failure(.invalidProducerIdMapping) }
        guard metadata.producerEpoch == epoch else { return .failure(.producerFenced) }
        return .success(metadata)
    }

    private func markers(for metadata: TransactionMetadata, commit: Bool) -> TransactionMarkers {
        TransactionMarkers(
            transactionalId: metadata.transactionalId, producerId: metadata.producerId,
            producerEpoch: metadata.producerEpoch, commit: commit, partitions: metadata.partitions.sorted())
    }

    private mutating func store(_ metadata: TransactionMetadata) -> TransactionOutcome {
        transactions[metadata.transactionalId] = metadata
        return TransactionOutcome(
            records: [.metadata(metadata)], producerId: metadata.producerId, producerEpoch: metadata.producerEpoch)
    }
}
