import NIOCore

/// A consumer's per-partition progress.
struct PartitionProgress: Sendable {
    /// Next offset handed to the application (what a commit stores); nil until resolved from the
    /// committed offset or the reset policy.
    var position: Int64?
    /// Next offset to fetch (ahead of `position` by what is buffered).
    var fetchOffset: Int64?
    var paused = false
    /// Fetched records not yet handed out, in offset order.
    var buffered: [ConsumerRecord] = []
    var bufferedStart = 0
    /// A Fetch for this partition is in flight.
    var fetching = false
    var highWatermark: Int64 = -1

    var bufferedCount: Int { buffered.count - bufferedStart }

    mutating func seek(to offset: Int64) {
        position = offset
        fetchOffset = offset
        buffered = []
        bufferedStart = 0
    }
}

/// What a consumer is subscribed to.
enum Subscription: Sendable, Equatable {
    case none
    case manual
    case topics([String])
    case pattern(String)
}

/// Everything the consumer changes under its lock.
struct ConsumerState: Sendable {
    var partitions: [TopicPartition: PartitionProgress] = [:]
    var subscription: Subscription = .none
    /// Generation (classic) or member epoch (KIP-848) and member id, for commits.
    var generation: Int32 = -1
    var memberId = ""
    var pollWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var nextWaiterId = 0
    var closed = false
    var lastAutoCommit: UInt64 = 0
    /// An error the next `poll` throws (no position and no reset policy).
    var pendingError: KafkaClientError?
    /// Round-robin start for fair polling across partitions.
    var pollCursor = 0

    /// Up to `limit` buffered records of unpaused partitions; advances their positions.
    mutating func take(limit: Int) -> [ConsumerRecord] {
        var taken: [ConsumerRecord] = []
        let keys = partitions.keys.sorted()
        guard !keys.isEmpty else { return [] }
        pollCursor = (pollCursor + 1) % keys.count
        for index in 0..<keys.count where taken.count < limit {
            let key = keys[(pollCursor + index) % keys.count]
            guard var progress = partitions[key], !progress.paused, progress.bufferedCount > 0 else { continue }
            let count = min(limit - taken.count, progress.bufferedCount)
            let slice = progress.buffered[progress.bufferedStart..<(progress.bufferedStart + count)]
            taken.append(contentsOf: slice)
            progress.bufferedStart += count
            if progress.bufferedStart == progress.buffered.count {
                progress.buffered = []
                progress.bufferedStart = 0
            }
            progress.position = slice.last!.offset + 1
            partitions[key] = progress
        }
        return taken
    }

    /// Wakes every `poll` waiting for records.
    mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
        let waiters = Array(pollWaiters.values)
        pollWaiters = [:]
        return waiters
    }

    /// Positions worth committing.
    var positions: [TopicPartition: Int64] {
        partitions.compactMapValues(\.position)
    }
}
