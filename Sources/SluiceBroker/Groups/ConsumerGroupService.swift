import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import SluiceCoordinator

/// The broker side of the new consumer group protocol (KIP-848): owns every
/// `ConsumerProtocolGroup` under one lock and feeds them the clock and the topics. Groups of the
/// two protocols are kept apart: a group id with classic members cannot be joined here, and the
/// classic coordinator refuses a group id that has members here. Committed offsets live with the
/// classic coordinator's offset store; this service only says whether a commit is allowed.
/// Membership is not persisted: after a broker restart members get UNKNOWN_MEMBER_ID and rejoin.
final class ConsumerGroupService: Sendable {
    private let groups = NIOLockedValueBox<[String: ConsumerProtocolGroup]>([:])
    private let topics: TopicRegistry
    private let logger: Logger
    /// `group.consumer.session.timeout.ms`.
    let sessionTimeoutMs: Int32
    /// `group.consumer.heartbeat.interval.ms`, returned in every heartbeat response.
    let heartbeatIntervalMs: Int32

    init(topics: TopicRegistry, logger: Logger) {
        self.topics = topics
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
            var group =
                groups[id] ?? ConsumerProtocolGroup(groupId: id, sessionTimeoutMs: sessionTimeoutMs)
            let expired = group.tick(now: now)
            if !expired.isEmpty { logger.info("consumer group '\(id)': removed members that timed out: \(expired)") }
            let result = group.heartbeat(request, topics: counts, now: now)
            groups[id] = group.members.isEmpty ? nil : group
            return result
        }
    }

    /// Expires members whose session ran out.
    func tick(now: Int64) {
        groups.withLockedValue { groups in
            for id in Array(groups.keys) {
                guard var group = groups[id] else { continue }
                let expired = group.tick(now: now)
                if !expired.isEmpty {
                    logger.info("consumer group '\(id)': removed members that timed out: \(expired)")
                }
                groups[id] = group.members.isEmpty ? nil : group
            }
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
