import KafkaProtocol

extension ConsumerGroup {
    /// Checks whether an OffsetCommit may write. Members commit with their generation; consumers
    /// that use assign() commit "simply" (generation -1, no member id), which only works while the
    /// group has no members.
    public func validateCommit(memberId: String, groupInstanceId: String?, generationId: Int32) -> ErrorCode? {
        if state == .dead { return .coordinatorNotAvailable }
        if generationId >= 0 || !memberId.isEmpty || groupInstanceId != nil {
            if let error = validateMember(memberId, instanceId: groupInstanceId, generation: generationId) {
                return error
            }
            if state == .completingRebalance { return .rebalanceInProgress }
            return nil
        }
        return state == .empty ? nil : .unknownMemberId
    }

    /// Stores offsets (the caller has validated and will persist the returned records).
    public mutating func commit(_ commits: [TopicPartition: CommittedOffset], memberId: String, now: Int64)
        -> [GroupRecord]
    {
        members[memberId]?.lastSeenMs = now
        var records: [GroupRecord] = []
        for (partition, committed) in commits.sorted(by: { $0.key < $1.key }) {
            offsets[partition] = committed
            records.append(.offset(group: groupId, partition: partition, committed))
        }
        return records
    }

    /// Offsets of `partitions`, or of every partition with one when nil.
    public func fetchOffsets(_ partitions: [TopicPartition]?) -> [(TopicPartition, CommittedOffset?)] {
        guard let partitions else { return offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        return partitions.map { ($0, offsets[$0]) }
    }

    /// Whether a member's current subscription (consumer protocol) names `topic`.
    public func isSubscribed(to topic: String) -> Bool {
        guard protocolType == "consumer", let name = protocolName else { return false }
        return members.values.contains { member in
            ConsumerSubscription.topics(in: member.metadata(for: name))?.contains(topic) ?? false
        }
    }

    /// OffsetDelete: removes offsets of topics no member is subscribed to.
    public mutating func deleteOffsets(_ partitions: [TopicPartition]) -> (
        errors: [TopicPartition: ErrorCode], records: [GroupRecord]
    ) {
        var errors: [TopicPartition: ErrorCode] = [:]
        var records: [GroupRecord] = []
        for partition in partitions {
            if state != .empty && isSubscribed(to: partition.topic) {
                errors[partition] = .groupSubscribedToTopic
                continue
            }
            errors[partition] = ErrorCode.none
            if offsets.removeValue(forKey: partition) != nil {
                records.append(.offsetTombstone(group: groupId, partition: partition))
            }
        }
        return (errors, records)
    }

    /// Forgets the offsets of the partitions `shouldForget` picks (their topic was deleted); returns
    /// the tombstones that persist this.
    public mutating func forgetOffsets(where shouldForget: (TopicPartition) -> Bool) -> [GroupRecord] {
        let gone = offsets.keys.filter(shouldForget).sorted()
        for partition in gone { offsets[partition] = nil }
        return gone.map { .offsetTombstone(group: groupId, partition: $0) }
    }

    /// DeleteGroups: only an Empty group can go; it becomes Dead and its records are tombstoned.
    public mutating func delete() -> (error: ErrorCode, records: [GroupRecord]) {
        guard state == .empty else { return (state == .dead ? .groupIdNotFound : .nonEmptyGroup, []) }
        var records = offsets.keys.sorted().map { GroupRecord.offsetTombstone(group: groupId, partition: $0) }
        records.append(.groupTombstone(group: groupId))
        offsets = [:]
        state = .dead
        return (.none, records)
    }

    /// Replay: applies a record read back from the offsets topic.
    public mutating func replay(_ record: GroupRecord, now: Int64) {
        switch record {
        case .offset(_, let partition, let committed): offsets[partition] = committed
        case .offsetTombstone(_, let partition): offsets[partition] = nil
        case .groupTombstone: offsets = [:]
        case .groupMetadata(_, let snapshot): restore(snapshot, now: now)
        }
    }

    /// Drops offsets older than `retentionMs` once the group has no members (Kafka's offset expiry).
    public mutating func expireOffsets(now: Int64, retentionMs: Int64) -> [GroupRecord] {
        guard state == .empty else { return [] }
        let old = offsets.filter { now - $0.value.commitTimestamp > retentionMs }.keys.sorted()
        for partition in old { offsets[partition] = nil }
        return old.map { .offsetTombstone(group: groupId, partition: $0) }
    }
}
