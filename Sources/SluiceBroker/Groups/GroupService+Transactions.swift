import KafkaProtocol
import SluiceCoordinator
import SluiceStorage

/// Offsets committed inside a transaction (TxnOffsetCommit): written to `__consumer_offsets` in
/// a transactional batch at once, applied to the group only when the transaction's COMMIT marker
/// reaches that partition, dropped on ABORT. Replay does the same with the batches and markers.
extension GroupService {
    /// A producer's pending offsets in one partition of `__consumer_offsets`.
    struct PendingKey: Hashable, Sendable {
        var producerId: Int64
        var partition: Int32
    }

    /// The `__consumer_offsets` partition of `group` (AddOffsetsToTxn adds it to the transaction).
    func offsetsTopicPartition(group: String) -> TopicPartition {
        TopicPartition(
            GroupService.topicName, offsetsPartition(for: group, partitionCount: storage.effectivePartitionCount))
    }

    /// Stores `offsets` as pending for the producer's transaction and waits until they are on disk.
    /// A member id or generation (TxnOffsetCommit v3+, KIP-447) is checked against the group as
    /// for OffsetCommit; without them (a producer that only knows the group id) nothing is checked.
    func commitTransactional(
        group id: String, producerId: Int64, epoch: Int16,
        member: (id: String, instanceId: String?, generation: Int32), offsets: [TopicPartition: CommittedOffset]
    ) async -> ErrorCode? {
        let checksMember = member.generation >= 0 || !member.id.isEmpty
        let consumerVerdict =
            checksMember
            ? consumerGroups.validateCommit(group: id, memberId: member.id, memberEpoch: member.generation) : nil
        let now = currentTimeMillis()
        let records = offsets.sorted { $0.key < $1.key }.map {
            GroupRecord.offset(group: id, partition: $0.key, $0.value)
        }
        let key = PendingKey(producerId: producerId, partition: offsetsTopicPartition(group: id).partition)
        let outcome = state.withLockedValue { state -> Result<[(log: PartitionLog, through: Int64)], KafkaFailure> in
            if let verdict = consumerVerdict, verdict != .none {
                return .failure(KafkaFailure(verdict, "transactional commit rejected"))
            }
            if checksMember, consumerVerdict == nil, let group = state.groups[id],
                let error = group.validateCommit(
                    memberId: member.id, groupInstanceId: member.instanceId, generationId: member.generation)
            {
                return .failure(KafkaFailure(error, "transactional commit rejected"))
            }
            let written = Result {
                try storage.appendTransactional(records, producerId: producerId, epoch: epoch, now: now)
            }.mapError { KafkaFailure.from($0) }
            if case .success = written { state.pendingTransactionalOffsets[key, default: []] += records }
            return written
        }
        return await finish(outcome)
    }

    /// Called once the marker of `producerId`'s transaction is in `partition` of `__consumer_offsets`.
    func completeTransaction(producerId: Int64, partition: Int32, commit: Bool) {
        let now = currentTimeMillis()
        state.withLockedValue { state in
            let key = PendingKey(producerId: producerId, partition: partition)
            guard let pending = state.pendingTransactionalOffsets.removeValue(forKey: key), commit else { return }
            for record in pending {
                var group = state.groups[record.groupId] ?? ConsumerGroup(groupId: record.groupId)
                group.replay(record, now: now)
                state.groups[record.groupId] = group
            }
        }
    }
}
