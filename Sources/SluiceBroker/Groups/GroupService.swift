import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SluiceCoordinator
import SluiceStorage

/// The broker side of the classic group coordinator: owns every `ConsumerGroup` under one lock,
/// parks delayed JoinGroup/SyncGroup replies until the state machine completes them, feeds the
/// clock, and persists offsets in `__consumer_offsets` before answering.
final class GroupService: Sendable {
    static let topicName = "__consumer_offsets"

    struct WaiterKey: Hashable {
        var group: String
        var member: String
    }

    struct State {
        var groups: [String: ConsumerGroup] = [:]
        var joinWaiters: [WaiterKey: CheckedContinuation<JoinResult, Never>] = [:]
        var syncWaiters: [WaiterKey: CheckedContinuation<SyncResult, Never>] = [:]
        var stopped = false
        var lastRetentionCheckMs: Int64 = 0
        /// TxnOffsetCommit offsets waiting for their transaction's marker.
        var pendingTransactionalOffsets: [PendingKey: [GroupRecord]] = [:]
    }

    let state = NIOLockedValueBox(State())
    let storage: GroupStorage
    let logger: Logger
    let sessionTimeoutRange: ClosedRange<Int32>
    let retentionMs: Int64
    /// Groups of the new consumer protocol (KIP-848), kept apart from the classic ones here.
    let consumerGroups: ConsumerGroupService
    private let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(topics: TopicRegistry, logger: Logger) {
        let resolver = topics.resolver
        self.storage = GroupStorage(
            topics: topics, partitionCount: Int32(resolver.brokerInt("offsets.topic.num.partitions")), logger: logger)
        self.logger = logger
        let low = Int32(clamping: resolver.brokerInt("group.min.session.timeout.ms"))
        let high = Int32(clamping: resolver.brokerInt("group.max.session.timeout.ms"))
        self.sessionTimeoutRange = low...max(low, high)
        self.retentionMs = resolver.brokerInt("offsets.retention.minutes") * 60_000
        self.consumerGroups = ConsumerGroupService(topics: topics, storage: storage, logger: logger)
    }

    // MARK: Lifecycle

    /// Rebuilds groups and offsets from the offsets topic, then starts the clock.
    func start() {
        let replayed = storage.replay(consumerSessionTimeoutMs: consumerGroups.sessionTimeoutMs)
        let groups = forgetOffsetsOfMissingTopics(replayed.groups)
        state.withLockedValue {
            $0.groups = groups
            $0.pendingTransactionalOffsets = replayed.pendingTransactionalOffsets
        }
        consumerGroups.restore(replayed.consumerGroups)
        if !groups.isEmpty { logger.info("replayed offsets of \(groups.count) consumer groups") }
        if !replayed.consumerGroups.isEmpty {
            logger.info("replayed the members of \(replayed.consumerGroups.count) consumer-protocol groups")
        }
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                guard let self, !Task.isCancelled else { break }
                self.tick(now: currentTimeMillis())
            }
        }
        timer.withLockedValue { $0 = task }
    }

    /// Stops the clock and answers every parked request, so shutdown does not wait for rebalances.
    func stop() {
        timer.withLockedValue { $0?.cancel() }
        let (joins, syncs) = state.withLockedValue { state in
            state.stopped = true
            defer {
                state.joinWaiters = [:]
                state.syncWaiters = [:]
            }
            return (Array(state.joinWaiters.values), Array(state.syncWaiters.values))
        }
        for waiter in joins { waiter.resume(returning: JoinResult(error: .coordinatorNotAvailable)) }
        for waiter in syncs { waiter.resume(returning: SyncResult(error: .coordinatorNotAvailable)) }
    }

    func tick(now: Int64) {
        consumerGroups.tick(now: now)
        var resumes: [@Sendable () -> Void] = []
        var writes: [GroupRecord] = []
        state.withLockedValue { state in
            for id in Array(state.groups.keys) {
                guard var group = state.groups[id] else { continue }
                let completions = group.tick(now: now)
                if !completions.expired.isEmpty {
                    logger.info("group '\(id)': removed members that timed out: \(completions.expired)")
                }
                // Offsets of a group whose members use the consumer protocol are in use: kept.
                if now - state.lastRetentionCheckMs > 60_000 && !consumerGroups.hasMembers(group: id) {
                    writes += group.expireOffsets(now: now, retentionMs: retentionMs)
                }
                state.groups[id] = group
                resumes += deliver(completions, group: id, state: &state)
            }
            if now - state.lastRetentionCheckMs > 60_000 {
                state.lastRetentionCheckMs = now
                // Groups with no members and no offsets left are forgotten, as Kafka does.
                let forgotten = state.groups.values.filter(\.isForgettable)
                for group in forgotten {
                    state.groups[group.groupId] = nil
                    writes.append(.groupTombstone(group: group.groupId))
                }
            }
            if !writes.isEmpty { _ = try? storage.append(writes, now: now) }
        }
        for resume in resumes { resume() }
    }

    // MARK: Parking

    /// Persists the completions' records and turns their answers into continuation resumptions,
    /// to run after the lock is released. Call under the lock.
    func deliver(_ completions: Completions, group: String, state: inout State) -> [@Sendable () -> Void] {
        do {
            _ = try storage.append(completions.records, now: currentTimeMillis())
        } catch {
            logger.error("writing the metadata of group '\(group)' failed: \(error)")
        }
        return Self.answer(completions.joins, group: group, waiters: &state.joinWaiters)
            + Self.answer(completions.syncs, group: group, waiters: &state.syncWaiters)
    }

    /// Resumptions of the parked requests that `answers` (by member id) complete.
    private static func answer<Answer: Sendable>(
        _ answers: [String: Answer], group: String, waiters: inout [WaiterKey: CheckedContinuation<Answer, Never>]
    ) -> [@Sendable () -> Void] {
        var resumes: [@Sendable () -> Void] = []
        for (member, result) in answers {
            if let waiter = waiters.removeValue(forKey: WaiterKey(group: group, member: member)) {
                resumes.append { waiter.resume(returning: result) }
            }
        }
        return resumes
    }

    /// Runs one JoinGroup or SyncGroup `step` on the group under the lock. Its answer comes now, or
    /// the caller is parked in `waiters` until a later step completes it. A stopped service answers
    /// `stopped`; a request parked before under the same member id is answered `displaced(member)`.
    private func answerOrPark<Answer: Sendable>(
        group id: String, waiters: WritableKeyPath<State, [WaiterKey: CheckedContinuation<Answer, Never>]>,
        stopped: Answer, displaced: (String) -> Answer, _ step: (inout ConsumerGroup) -> (Delayed<Answer>, Completions)
    ) async -> Answer {
        await withCheckedContinuation { (continuation: CheckedContinuation<Answer, Never>) in
            let resumes = withGroup(id) { group, state -> [@Sendable () -> Void] in
                if state.stopped {
                    return [{ continuation.resume(returning: stopped) }]
                }
                let (reply, completions) = step(&group)
                var resumes = deliver(completions, group: id, state: &state)
                switch reply {
                case .now(let result):
                    resumes.append { continuation.resume(returning: result) }
                case .pending(let member):
                    let key = WaiterKey(group: id, member: member)
                    if let old = state[keyPath: waiters].updateValue(continuation, forKey: key) {
                        let answer = displaced(member)
                        resumes.append { old.resume(returning: answer) }
                    }
                }
                return resumes
            }
            for resume in resumes { resume() }
        }
    }

    /// Runs `body` on the group (created Empty if unknown, or if it was deleted) under the lock.
    func withGroup<T>(_ id: String, _ body: (inout ConsumerGroup, inout State) -> T) -> T {
        state.withLockedValue { state in
            var group = state.groups[id].flatMap { $0.state == .dead ? nil : $0 } ?? ConsumerGroup(groupId: id)
            let result = body(&group, &state)
            state.groups[id] = group.isUnused ? nil : group
            return result
        }
    }

    func join(group id: String, _ request: JoinRequest) async -> JoinResult {
        if !sessionTimeoutRange.contains(request.sessionTimeoutMs) {
            return JoinResult(error: .invalidSessionTimeout, memberId: request.memberId)
        }
        if consumerGroups.hasMembers(group: id) {
            return JoinResult(error: .inconsistentGroupProtocol, memberId: request.memberId)
        }
        return await answerOrPark(
            group: id, waiters: \.joinWaiters, stopped: JoinResult(error: .coordinatorNotAvailable),
            displaced: { JoinResult(error: .rebalanceInProgress, memberId: $0) }
        ) { group in
            group.join(request, now: currentTimeMillis())
        }
    }

    func sync(
        group id: String, memberId: String, instanceId: String?, generation: Int32, protocolType: String?,
        protocolName: String?, assignments: [String: ByteBuffer]
    ) async -> SyncResult {
        await answerOrPark(
            group: id, waiters: \.syncWaiters, stopped: SyncResult(error: .coordinatorNotAvailable),
            displaced: { _ in SyncResult(error: .rebalanceInProgress) }
        ) { group in
            group.sync(
                memberId: memberId, groupInstanceId: instanceId, generationId: generation,
                protocolType: protocolType, protocolName: protocolName, assignments: assignments,
                now: currentTimeMillis())
        }
    }
}
