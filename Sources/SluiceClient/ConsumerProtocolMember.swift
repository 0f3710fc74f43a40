import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Membership in a KIP-848 consumer group: one ConsumerGroupHeartbeat at a time carries the
/// subscription and the partitions this member owns; the broker answers with the member epoch
/// and, when it changed, the target assignment (by topic id), which the member takes on and
/// acknowledges in the next heartbeat.
final class ConsumerProtocolMember: GroupMembership {
    private struct Member: Sendable {
        var memberId = makeMemberId()
        var epoch: Int32 = 0
        var owned: Set<TopicPartition> = []
        var leaving = false
    }

    private weak let consumer: Consumer?
    private let group: String
    private let subscription: Subscription
    private let member = NIOLockedValueBox(Member())

    init(consumer: Consumer, group: String, subscription: Subscription) {
        self.consumer = consumer
        self.group = group
        self.subscription = subscription
    }

    func run() async {
        var interval = Duration.milliseconds(0)
        var backoff = Duration.milliseconds(100)
        while let consumer, !Task.isCancelled, !member.withLockedValue({ $0.leaving }) {
            do {
                if interval > .zero { try await Task.sleep(for: interval) }
                interval = try await heartbeat(consumer)
                backoff = .milliseconds(100)
            } catch let error as KafkaClientError {
                if Task.isCancelled || member.withLockedValue({ $0.leaving }) { return }
                consumer.logger.debug("group membership", metadata: ["group": "\(group)", "error": "\(error)"])
                switch error.errorCode {
                case .fencedMemberEpoch?, .unknownMemberId?:
                    member.withLockedValue { state in
                        state.epoch = 0
                        state.owned = []
                    }
                    consumer.setGroupIdentity(generation: -1, memberId: "")
                    await consumer.assignmentChanged(to: [], lost: true)
                case .notCoordinator?, .coordinatorNotAvailable?:
                    await consumer.cluster.invalidate(coordinatorOf: group)
                default:
                    break
                }
                interval = backoff
                backoff = min(backoff * 2, consumer.config.client.retryBackoffMax)
            } catch {
                return  // cancelled
            }
        }
    }

    /// One heartbeat; returns how long to wait before the next (zero right after a new
    /// assignment, so it is acknowledged at once).
    private func heartbeat(_ consumer: Consumer) async throws -> Duration {
        let current = member.withLockedValue { $0 }
        var request = ConsumerGroupHeartbeatRequest()
        request.groupId = GroupId(group)
        request.memberId = current.memberId
        request.memberEpoch = current.epoch
        request.instanceId = consumer.config.groupInstanceId
        request.rebalanceTimeoutMs = Int32(clamping: consumer.config.rebalanceTimeout.milliseconds)
        switch subscription {
        case .pattern(let pattern): request.subscribedTopicRegex = pattern
        default: request.subscribedTopicNames = subscription.topics(among: []).map { TopicName($0) }
        }
        request.topicPartitions =
            current.epoch == 0 ? [] : try await topicIds(for: current.owned, consumer)
        let connection = try await consumer.cluster.coordinator(forGroup: group)
        let answer = try await connection.send(request, timeout: consumer.config.client.requestTimeout.timeAmount)
        let code = ErrorCode(answer.errorCode)
        guard code == .none else {
            throw KafkaClientError.broker(
                code, context: "ConsumerGroupHeartbeat \(group): \(answer.errorMessage ?? "")")
        }
        let memberId = answer.memberId ?? current.memberId
        member.withLockedValue { state in
            state.memberId = memberId
            state.epoch = answer.memberEpoch
        }
        consumer.setGroupIdentity(generation: answer.memberEpoch, memberId: memberId)
        var next = Duration.milliseconds(Int64(max(answer.heartbeatIntervalMs, 100)))
        if let assignment = answer.assignment {
            let partitions = try await names(for: assignment.topicPartitions, consumer)
            member.withLockedValue { $0.owned = partitions }
            await consumer.assignmentChanged(to: partitions)
            next = .zero
        }
        return next
    }

    private func topicIds(for partitions: Set<TopicPartition>, _ consumer: Consumer) async throws
        -> [ConsumerGroupHeartbeatRequest.TopicPartitions]
    {
        var result: [ConsumerGroupHeartbeatRequest.TopicPartitions] = []
        for (topic, entries) in Dictionary(grouping: partitions, by: \.topic) {
            guard let id = try? await consumer.cluster.topic(topic).topicId else { continue }
            var item = ConsumerGroupHeartbeatRequest.TopicPartitions()
            item.topicId = id
            item.partitions = entries.map(\.partition).sorted()
            result.append(item)
        }
        return result
    }

    private func names(
        for assigned: [ConsumerGroupHeartbeatResponse.TopicPartitions], _ consumer: Consumer
    ) async throws -> Set<TopicPartition> {
        var known = await consumer.cluster.knownTopics
        if assigned.contains(where: { id in !known.values.contains { $0.topicId == id.topicId } }) {
            try await consumer.cluster.refresh(topics: nil)
            known = await consumer.cluster.knownTopics
        }
        var result: Set<TopicPartition> = []
        for entry in assigned {
            guard let name = known.values.first(where: { $0.topicId == entry.topicId })?.name else { continue }
            for partition in entry.partitions { result.insert(TopicPartition(name, partition)) }
        }
        return result
    }

    func leave() async {
        let current = member.withLockedValue { state -> Member in
            state.leaving = true
            return state
        }
        guard let consumer, current.epoch > 0 else { return }
        var request = ConsumerGroupHeartbeatRequest()
        request.groupId = GroupId(group)
        request.memberId = current.memberId
        request.instanceId = consumer.config.groupInstanceId
        // -2 keeps a static member's partitions for it; -1 gives them up now.
        request.memberEpoch = consumer.config.groupInstanceId == nil ? -1 : -2
        if let connection = try? await consumer.cluster.coordinator(forGroup: group) {
            _ = try? await connection.send(request, timeout: .seconds(5))
        }
    }
}
