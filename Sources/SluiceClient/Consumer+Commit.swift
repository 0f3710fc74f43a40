import NIOCore

extension Consumer {
    /// Commits the current positions (the offsets after the records `poll` returned) of every
    /// assigned partition, and waits for the broker to store them.
    public func commit() async throws {
        let positions = state.withLockedValue { $0.positions }
        guard !positions.isEmpty else { return }
        try await commit(positions)
    }

    /// Commits these offsets (the next offset to read per partition) and waits.
    public func commit(_ offsets: [TopicPartition: Int64]) async throws {
        guard let group = config.groupId else { throw KafkaClientError.invalidArgument("commit needs a groupId") }
        let (generation, memberId) = state.withLockedValue { ($0.generation, $0.memberId) }
        try await cluster.commitOffsets(
            group: group, offsets: offsets, generation: generation, memberId: memberId,
            groupInstanceId: config.groupProtocol == .classic ? config.groupInstanceId : nil)
    }

    /// Commits the current positions in the background; `completion` (if any) gets the outcome.
    public func commitAsync(completion: (@Sendable ((any Error)?) -> Void)? = nil) {
        Task {
            do {
                try await self.commit()
                completion?(nil)
            } catch {
                self.logger.debug("async commit failed", metadata: ["error": "\(error)"])
                completion?(error)
            }
        }
    }

    /// The group's committed offsets for `partitions`.
    public func committed(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        guard let group = config.groupId else { throw KafkaClientError.invalidArgument("committed needs a groupId") }
        return try await cluster.committedOffsets(group: group, partitions: partitions)
    }

    /// With auto-commit on, commits what earlier polls returned once `autoCommitInterval` passed.
    func autoCommitIfDue() async throws {
        guard config.enableAutoCommit, config.groupId != nil else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let interval = UInt64(config.autoCommitInterval.milliseconds) * 1_000_000
        let due = state.withLockedValue { state -> Bool in
            guard now &- state.lastAutoCommit >= interval else { return false }
            state.lastAutoCommit = now
            return true
        }
        if due { commitAsync() }
    }

    /// The group handed a new assignment: revoked partitions are committed (auto-commit) and
    /// dropped, added ones start from their committed offset or the reset policy.
    func assignmentChanged(to partitions: Set<TopicPartition>, lost: Bool = false) async {
        let revoked = state.withLockedValue { state in
            Set(state.partitions.keys).subtracting(partitions)
        }
        if !revoked.isEmpty, !lost, config.enableAutoCommit {
            let positions = state.withLockedValue { state in state.positions.filter { revoked.contains($0.key) } }
            if !positions.isEmpty {
                do {
                    try await commit(positions)
                } catch {
                    logger.info("commit of revoked partitions failed", metadata: ["error": "\(error)"])
                }
            }
        }
        state.withLockedValue { state in
            for partition in revoked { state.partitions[partition] = nil }
            for partition in partitions where state.partitions[partition] == nil {
                state.partitions[partition] = PartitionProgress()
            }
        }
        logger.debug(
            "assignment changed",
            metadata: ["assigned": "\(partitions.sorted())", "revoked": "\(revoked.sorted())"])
        fetchWake.yield()
        notifyPollers()
    }

    /// Records the generation / member epoch and member id used by commits.
    func setGroupIdentity(generation: Int32, memberId: String) {
        state.withLockedValue {
            $0.generation = generation
            $0.memberId = memberId
        }
    }
}
