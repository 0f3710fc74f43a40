import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import SluiceCoordinator

/// The broker side of the new consumer group protocol (KIP-848): owns every
/// `ConsumerProtocolGroup` under one lock and feeds them the clock and the topics. Groups of the
/// two protocols are kept apart: a group id with classic members cannot be joined here, and the
/// classic coordinator refuses a group id that has members here. Committed offsets live with the
/// classic coordinator's offset store; this service only says whether a commit is allowed.
/// Every change is appended to `__consumer_offsets` under the lock (Kafka's consumer group
/// records), and replayed at start: after a broker restart members keep their epoch and partitions.
final class ConsumerGroupService: Sendable {
    private let groups = NIOLockedValueBox<[String: ConsumerProtocolGroup]>([:])
    private let topics: TopicRegistry
    private let storage: GroupStorage
    private let logger: Logger
    /// `group.consumer.session.timeout.ms`.
    let sessionTimeoutMs: Int32
    /// `group.consumer.heartbeat.interval.ms`, returned in every heartbeat response.
    let heartbeatIntervalMs: Int32

    init(topics: TopicRegistry, storage: GroupStorage, logger: Logger) {
        self.topics = topics
        self.storage = storage
        self.logger = logger
        let resolver = topics.resolver
        self.sessionTimeoutMs = Int32(clamping: resolver.brokerInt("group.consumer.session.timeout.ms"))
        self.heartbeatIntervalMs = Int32(clamping: resolver.brokerInt("group.consumer.heartbeat.interval.ms"))
    }

    /// Partition counts of every topic a member may subscribe to.
    private func topicCounts() -> [String: Int32] {
        var counts: [String: Int32] = [:]
        for topic in topics.allTopics() where !TopicRegistry.internalTopics.contains(topic.name) {
            counts[topic.name] = topic.partitionCount
        }
        return counts
    }

    func heartbeat(group id: String, _ request: ConsumerHeartbeat) -> ConsumerHeartbeatResult {
        let counts = topicCounts()
        let now = currentTimeMillis()
        return groups.withLockedValue { groups in
            let before = groups[id]
            var group = before ?? ConsumerProtocolGroup(groupId: id, sessionTimeoutMs: sessionTimeoutMs)
            let expired = group.tick(now: now)
            if !expired.isEmpty { logger.info("consumer group '\(id)': removed members that timed out: \(expired)") }
            let result = group.heartbeat(request, topics: counts, now: now)
            groups[id] = group.members.isEmpty ? nil : group
            persist(group.records(since: before), now: now)
            return result
        }
    }

    /// Expires members whose session ran out.
    func tick(now: Int64) {
        groups.withLockedValue { groups in
            for id in Array(groups.keys) {
                guard let before = groups[id] else { continue }
                var group = before
                let expired = group.tick(now: now)
                guard !expired.isEmpty else { continue }
                logger.info("consumer group '\(id)': removed members that timed out: \(expired)")
                groups[id] = group.members.isEmpty ? nil : group
                persist(group.records(since: before), now: now)
            }
        }
    }

    /// Start: the groups replayed from `__consumer_offsets`.
    func restore(_ replayed: [String: ConsumerProtocolGroup]) {
        groups.withLockedValue { $0 = replayed }
    }

    /// Appends the records of a change; call under the lock, so the log keeps the order of the
    /// changes. Not waited for (heartbeats answer at once); a record lost in a crash only costs
    /// the member a rejoin.
    private func persist(_ records: [ConsumerProtocolRecord], now: Int64) {
        do {
            _ = try storage.append(records, now: now)
        } catch {
            logger.error("writing consumer group records failed: \(error)")
        }
    }

    /// A copy of the group, or nil when it has no members.
    func describe(group id: String) -> ConsumerProtocolGroup? {
        groups.withLockedValue { $0[id] }
    }

    /// Whether the group id is in use by consumer-protocol members.
    func hasMembers(group id: String) -> Bool {
        groups.withLockedValue { !($0[id]?.members.isEmpty ?? true) }
    }

    /// Whether a member of the group subscribes to `topic` (by name or regex), for OffsetDelete.
    func isSubscribed(group id: String, to topic: String) -> Bool {
        let counts = topicCounts()
        return groups.withLockedValue { groups in
            guard let group = groups[id] else { return false }
            return group.members.values.contains { group.subscription(of: $0, topics: counts).contains(topic) }
        }
    }

    /// For OffsetCommit: nil when the group is not a consumer-protocol group (the classic checks
    /// apply), `.none` when the commit may proceed, else the error to answer with.
    func validateCommit(group id: String, memberId: String, memberEpoch: Int32) -> ErrorCode? {
        groups.withLockedValue { groups in
            guard let group = groups[id] else { return nil }
            return group.validateCommit(memberId: memberId, memberEpoch: memberEpoch) ?? ErrorCode.none
        }
    }
}
