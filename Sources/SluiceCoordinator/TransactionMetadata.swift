import KafkaProtocol

/// The states of a transactional id, with Kafka's numeric ids (the `TransactionStatus` byte of
/// a `__transaction_state` value).
public enum TransactionState: Int8, Sendable, CaseIterable {
    /// Known producer id and epoch, no transaction open.
    case empty = 0
    /// Partitions were added: a transaction is open.
    case ongoing = 1
    /// EndTxn(commit) accepted: COMMIT markers are being written.
    case prepareCommit = 2
    /// EndTxn(abort), a timeout or a fencing producer: ABORT markers are being written.
    case prepareAbort = 3
    case completeCommit = 4
    case completeAbort = 5
    /// Expired transactional id (written as a tombstone).
    case dead = 6
    /// Kafka's transient state while a timed-out transaction's epoch is bumped; never left
    /// behind by this coordinator, which bumps and aborts in one step, but readable.
    case prepareEpochFence = 7

    /// Kafka's names, as DescribeTransactions and ListTransactions report them.
    public var name: String {
        switch self {
        case .empty: "Empty"
        case .ongoing: "Ongoing"
        case .prepareCommit: "PrepareCommit"
        case .prepareAbort: "PrepareAbort"
        case .completeCommit: "CompleteCommit"
        case .completeAbort: "CompleteAbort"
        case .dead: "Dead"
        case .prepareEpochFence: "PrepareEpochFence"
        }
    }

    /// The state named `name` (case-insensitive), as ListTransactions filters take them.
    public init?(name: String) {
        guard let state = Self.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            return nil
        }
        self = state
    }

    /// The states a transition may leave (Kafka's `TransactionState.validPreviousStates`).
    var validPrevious: Set<TransactionState> {
        switch self {
        case .empty: [.empty, .completeCommit, .completeAbort]
        case .ongoing: [.ongoing, .empty, .completeCommit, .completeAbort]
        case .prepareCommit, .prepareAbort: [.ongoing]
        case .completeCommit: [.prepareCommit]
        case .completeAbort: [.prepareAbort]
        case .dead: [.empty, .completeCommit, .completeAbort]
        case .prepareEpochFence: [.ongoing]
        }
    }

    /// Markers still have to be written.
    public var isPreparing: Bool { self == .prepareCommit || self == .prepareAbort }
}

/// Everything the coordinator keeps about one transactional id; one `__transaction_state` value.
public struct TransactionMetadata: Sendable, Equatable {
    public var transactionalId: String
    public var producerId: Int64
    /// The producer id before the last one was exhausted, so a retry of that InitProducerId is recognised.
    public var previousProducerId: Int64 = -1
    public var producerEpoch: Int16
    /// The epoch before the last bump, so a producer retrying its InitProducerId is not fenced.
    public var lastProducerEpoch: Int16 = -1
    public var timeoutMs: Int32
    public var state: TransactionState
    public var partitions: Set<TopicPartition> = []
    /// When the open transaction started (its first AddPartitions), -1 when none is open.
    public var startTimestamp: Int64 = -1
    public var lastUpdateTimestamp: Int64

    public init(
        transactionalId: String, producerId: Int64, producerEpoch: Int16, timeoutMs: Int32,
        state: TransactionState, now: Int64
    ) {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.timeoutMs = timeoutMs
        self.state = state
        self.lastUpdateTimestamp = now
    }

    /// Moves to `next`. The caller has checked the transition; the assertion catches bugs in tests.
    mutating func transition(to next: TransactionState, now: Int64) {
        assert(next.validPrevious.contains(state), "transaction \(transactionalId): \(state) → \(next)")
        state = next
        lastUpdateTimestamp = now
    }

    /// The epoch bump of a new InitProducerId or a fence: the same id with epoch + 1, or a new id at
    /// epoch 0 when the epoch would reach `Int16.max` (Kafka's rule, so markers can still bump it).
    mutating func bumpEpoch(allocate: () throws -> Int64) rethrows {
        lastProducerEpoch = producerEpoch
        if producerEpoch >= Int16.max - 1 {
            previousProducerId = producerId
            producerId = try allocate()
            producerEpoch = 0
        } else {
            producerEpoch += 1
        }
    }
}
