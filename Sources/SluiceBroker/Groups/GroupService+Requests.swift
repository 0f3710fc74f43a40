import KafkaProtocol
import SluiceCoordinator
import SluiceStorage

/// The requests that answer at once or after an fsync (no rebalance to wait for).
extension GroupService {
    func heartbeat(group id: String, memberId: String, instanceId: String?, generation: Int32) -> ErrorCode {
        withGroup(id) { group, _ in
            group.heartbeat(
                memberId: memberId, groupInstanceId: instanceId, generationId: generation, now: currentTimeMillis())
        }
    }

    /// LeaveGroup for each member; the rebalance this starts may complete parked joins.
    func leave(group id: String, members: [(memberId: String, instanceId: String?)]) -> [ErrorCode] {
        let (errors, resumes) = withGroup(id) { group, state -> ([ErrorCode], [@Sendable () -> Void]) in
            var errors: [ErrorCode] = []
            var resumes: [@Sendable () -> Void] = []
            for member in members {
                let (error, completions) = group.leave(
                    memberId: member.memberId, groupInstanceId: member.instanceId, now: currentTimeMillis())
                errors.append(error)
                resumes += deliver(completions, group: id, state: &state)
            }
            return (errors, resumes)
        }
        for resume in resumes { resume() }
        return errors
    }

    /// Validates and stores offsets, then waits until they are on disk. One error for the whole
    /// request (a group-level rejection or a failed write), or nil.
    func commit(
        group id: String, memberId: String, instanceId: String?, generation: Int32,
        offsets: [TopicPartition: CommittedOffset]
    ) async -> ErrorCode? {
        let now = currentTimeMillis()
        // A consumer-protocol group checks member id and member epoch; its offsets live here too.
        let consumerVerdict = consumerGroups.validateCommit(group: id, memberId: memberId, memberEpoch: generation)
        let outcome = withGroup(id) { group, _ -> Result<[(log: PartitionLog, through: Int64)], KafkaFailure> in
            if let verdict = consumerVerdict, verdict != .none {
                return .failure(KafkaFailure(verdict, "commit rejected"))
            }
            if consumerVerdict == nil,
                let error = group.validateCommit(
                    memberId: memberId, groupInstanceId: instanceId, generationId: generation)
            {
                return .failure(KafkaFailure(error, "commit rejected"))
            }
            let records = group.commit(offsets, memberId: memberId, now: now)
            return Result { try storage.append(records, now: now) }.mapError { KafkaFailure.from($0) }
        }
        return await finish(outcome)
    }

    /// Waits for the fsyncs a write needs; the error to answer with, or nil.
    func finish(_ outcome: Result<[(log: PartitionLog, through: Int64)], KafkaFailure>) async -> ErrorCode? {
        switch outcome {
        case .failure(let failure):
            if failure.code != .unknownMemberId && failure.code != .illegalGeneration {
                logger.debug("group write failed: \(failure)")
            }
            return failure.code
        case .success(let flushes):
            do {
                for flush in flushes { try await flush.log.flush(through: flush.through) }
                return nil
            } catch {
                logger.error("fsync of \(GroupService.topicName) failed: \(error)")
                return KafkaFailure.from(error).code
            }
        }
    }

    func fetchOffsets(group id: String, _ partitions: [TopicPartition]?) -> [(TopicPartition, CommittedOffset?)] {
        state.withLockedValue { state in
            let group = state.groups[id].flatMap { $0.state == .dead ? nil : $0 } ?? ConsumerGroup(groupId: id)
            return group.fetchOffsets(partitions)
        }
    }

    /// A copy of a group for DescribeGroups, or nil when it does not exist.
    func snapshot(group id: String) -> ConsumerGroup? {
        state.withLockedValue { $0.groups[id].flatMap { $0.state == .dead ? nil : $0 } }
    }

    func allGroups() -> [ConsumerGroup] {
        state.withLockedValue { state in
            state.groups.values.filter { $0.state != .dead }.sorted { $0.groupId < $1.groupId }
        }
    }

    func delete(group id: String) async -> ErrorCode {
        if consumerGroups.hasMembers(group: id) { return .nonEmptyGroup }
        let outcome = state.withLockedValue { state -> Result<[(log: PartitionLog, through: Int64)], KafkaFailure> in
            guard var group = state.groups[id], group.state != .dead else {
                return .failure(KafkaFailure(.groupIdNotFound, "group '\(id)' does not exist"))
            }
            let (error, records) = group.delete()
            guard error == .none else { return .failure(KafkaFailure(error, "group '\(id)' cannot be deleted")) }
            state.groups[id] = nil
            return Result { try storage.append(records, now: currentTimeMillis()) }.mapError { KafkaFailure.from($0) }
        }
        return await finish(outcome) ?? .none
    }

    func deleteOffsets(group id: String, _ partitions: [TopicPartition]) async -> (
        ErrorCode, [TopicPartition: ErrorCode]
    ) {
        var perPartition: [TopicPartition: ErrorCode] = [:]
        let outcome = state.withLockedValue { state -> Result<[(log: PartitionLog, through: Int64)], KafkaFailure> in
            guard var group = state.groups[id], group.state != .dead else {
                return .failure(KafkaFailure(.groupIdNotFound, "group '\(id)' does not exist"))
            }
            // Members of the consumer protocol hold the offsets of topics they subscribe to.
            let held = Set(partitions.filter { consumerGroups.isSubscribed(group: id, to: $0.topic) })
            let (allowed, records) = group.deleteOffsets(partitions.filter { !held.contains($0) })
            var errors = allowed
            for partition in held { errors[partition] = .groupSubscribedToTopic }
            perPartition = errors
            state.groups[id] = group
            return Result { try storage.append(records, now: currentTimeMillis()) }.mapError { KafkaFailure.from($0) }
        }
        let error = await finish(outcome) ?? .none
        return (error, perPartition)
    }
}
