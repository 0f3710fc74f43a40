import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Membership in a classic group: JoinGroup, SyncGroup (the leader assigns with
/// cooperative-sticky), then Heartbeat until the coordinator asks for a rebalance.
final class ClassicGroupMember: GroupMembership {
    private struct Member: Sendable {
        var memberId = ""
        var generation: Int32 = -1
        var owned: Set<TopicPartition> = []
        var leaving = false
        /// Subscribed topics and their partition counts when the member last joined.
        var joinedShape: [String: Int] = [:]
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
        var backoff = Duration.milliseconds(100)
        while let consumer, !Task.isCancelled, !member.withLockedValue({ $0.leaving }) {
            do {
                let rejoinAtOnce = try await joinAndSync(consumer)
                backoff = .milliseconds(100)
                if rejoinAtOnce { continue }
                try await heartbeatUntilRebalance(consumer)
            } catch let error as KafkaClientError {
                if Task.isCancelled || member.withLockedValue({ $0.leaving }) { return }
                consumer.logger.debug("group membership", metadata: ["group": "\(group)", "error": "\(error)"])
                switch error.errorCode {
                case .unknownMemberId?, .illegalGeneration?, .fencedInstanceId?:
                    await loseEverything(consumer, forgetMemberId: error.errorCode != .illegalGeneration)
                case .notCoordinator?, .coordinatorNotAvailable?:
                    await consumer.cluster.invalidate(coordinatorOf: group)
                default:
                    break
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, consumer.config.client.retryBackoffMax)
            } catch {
                return  // cancelled
            }
        }
    }

    /// One JoinGroup + SyncGroup round; returns true when partitions were revoked and the member
    /// must rejoin at once (cooperative: the revoked partitions go to others in the next round).
    private func joinAndSync(_ consumer: Consumer) async throws -> Bool {
        let config = consumer.config
        let shape = try await subscribedShape(consumer)
        let topics = shape.keys.sorted()
        let current = member.withLockedValue { state -> Member in
            state.joinedShape = shape
            return state
        }
        var join = JoinGroupRequest()
        join.groupId = GroupId(group)
        join.sessionTimeoutMs = Int32(clamping: config.sessionTimeout.milliseconds)
        join.rebalanceTimeoutMs = Int32(clamping: config.rebalanceTimeout.milliseconds)
        join.memberId = current.memberId
        join.groupInstanceId = config.groupInstanceId
        join.protocolType = "consumer"
        var proposal = JoinGroupRequest.JoinGroupRequestProtocol()
        proposal.name = CooperativeStickyAssignor.name
        proposal.metadata = ConsumerProtocolCodec.encode(
            ConsumerProtocolCodec.Subscription(
                topics: topics, ownedPartitions: current.owned.sorted(), generationId: current.generation))
        join.protocols = [proposal]
        let joined = try await call(consumer, join, timeout: config.rebalanceTimeout + .seconds(5))
        let joinCode = ErrorCode(joined.errorCode)
        if joinCode == .memberIdRequired {
            member.withLockedValue { $0.memberId = joined.memberId }
            return true
        }
        guard joinCode == .none else { throw KafkaClientError.broker(joinCode, context: "JoinGroup \(group)") }
        member.withLockedValue { $0.memberId = joined.memberId }

        var sync = SyncGroupRequest()
        sync.groupId = GroupId(group)
        sync.generationId = joined.generationId
        sync.memberId = joined.memberId
        sync.groupInstanceId = config.groupInstanceId
        sync.protocolType = "consumer"
        sync.protocolName = joined.protocolName
        if joined.leader == joined.memberId, !joined.skipAssignment {
            sync.assignments = try await leaderAssignments(consumer, joined.members).map {
                var entry = SyncGroupRequest.SyncGroupRequestAssignment()
                entry.memberId = $0.key
                entry.assignment = ConsumerProtocolCodec.encode(assignment: $0.value)
                return entry
            }
        }
        let synced = try await call(consumer, sync, timeout: config.rebalanceTimeout + .seconds(5))
        let syncCode = ErrorCode(synced.errorCode)
        if syncCode == .rebalanceInProgress { return true }
        guard syncCode == .none else { throw KafkaClientError.broker(syncCode, context: "SyncGroup \(group)") }
        let assigned = Set(try ConsumerProtocolCodec.decodeAssignment(synced.assignment))
        let revoked = member.withLockedValue { state -> Bool in
            let revoked = !state.owned.subtracting(assigned).isEmpty
            state.owned = assigned
            state.generation = joined.generationId
            return revoked
        }
        consumer.setGroupIdentity(generation: joined.generationId, memberId: joined.memberId)
        await consumer.assignmentChanged(to: assigned)
        return revoked
    }

    private func leaderAssignments(_ consumer: Consumer, _ members: [JoinGroupResponse.JoinGroupResponseMember])
        async throws -> [String: [TopicPartition]]
    {
        var decoded: [CooperativeStickyAssignor.Member] = []
        var topics: Set<String> = []
        for entry in members {
            let subscription = try ConsumerProtocolCodec.decodeSubscription(entry.metadata)
            decoded.append(
                CooperativeStickyAssignor.Member(
                    id: entry.memberId, topics: Set(subscription.topics), owned: subscription.ownedPartitions,
                    generation: subscription.generationId))
            topics.formUnion(subscription.topics)
        }
        var counts: [String: Int] = [:]
        let metadata = try await consumer.cluster.refresh(topics: topics.sorted())
        for topic in metadata.topics where topic.errorCode == 0 {
            if let name = topic.name?.rawValue { counts[name] = topic.partitions.count }
        }
        return CooperativeStickyAssignor.assign(members: decoded, partitionCounts: counts)
    }

    /// The subscribed topics that exist, with their partition counts.
    private func subscribedShape(_ consumer: Consumer) async throws -> [String: Int] {
        let topics = try await consumer.cluster.refresh(topics: nil).topics
        let names = subscription.topics(among: topics.compactMap { $0.name?.rawValue })
        var shape: [String: Int] = [:]
        for topic in topics where topic.errorCode == 0 {
            if let name = topic.name?.rawValue, names.contains(name) { shape[name] = topic.partitions.count }
        }
        return shape
    }

    /// Heartbeats until the group rebalances or the subscribed topics change (returns), or the
    /// member is fenced (throws).
    private func heartbeatUntilRebalance(_ consumer: Consumer) async throws {
        let clock = ContinuousClock()
        var lastMetadataCheck = clock.now
        while !Task.isCancelled {
            try await Task.sleep(for: consumer.config.heartbeatInterval)
            let current = member.withLockedValue { $0 }
            if current.leaving { return }
            if clock.now - lastMetadataCheck >= consumer.config.metadataMaxAge {
                lastMetadataCheck = clock.now
                if try await subscribedShape(consumer) != current.joinedShape { return }
            }
            var request = HeartbeatRequest()
            request.groupId = GroupId(group)
            request.generationId = current.generation
            request.memberId = current.memberId
            request.groupInstanceId = consumer.config.groupInstanceId
            let answer = try await call(consumer, request, timeout: consumer.config.client.requestTimeout)
            let code = ErrorCode(answer.errorCode)
            if code == .rebalanceInProgress { return }
            guard code == .none else { throw KafkaClientError.broker(code, context: "Heartbeat \(group)") }
        }
    }

    /// Fenced or forgotten by the coordinator: the partitions may already be someone else's.
    private func loseEverything(_ consumer: Consumer, forgetMemberId: Bool) async {
        member.withLockedValue { state in
            state.owned = []
            state.generation = -1
            if forgetMemberId { state.memberId = "" }
        }
        consumer.setGroupIdentity(generation: -1, memberId: "")
        await consumer.assignmentChanged(to: [], lost: true)
    }

    func leave() async {
        let current = member.withLockedValue { state -> Member in
            state.leaving = true
            return state
        }
        guard let consumer, !current.memberId.isEmpty else { return }
        // A static member does not leave: its partitions wait for it until the session times
        // out, so a restart within that time gets them back without a rebalance (as in Java).
        guard consumer.config.groupInstanceId == nil else { return }
        var request = LeaveGroupRequest()
        request.groupId = GroupId(group)
        request.memberId = current.memberId
        var identity = LeaveGroupRequest.MemberIdentity()
        identity.memberId = current.memberId
        identity.groupInstanceId = consumer.config.groupInstanceId
        identity.reason = "the consumer is closing"
        request.members = [identity]
        _ = try? await call(consumer, request, timeout: .seconds(5))
    }

    private func call<Request: KafkaRequest>(_ consumer: Consumer, _ request: Request, timeout: Duration)
        async throws -> Request.Response
    {
        let connection = try await consumer.cluster.coordinator(forGroup: group)
        return try await connection.send(request, timeout: timeout.timeAmount)
    }
}
