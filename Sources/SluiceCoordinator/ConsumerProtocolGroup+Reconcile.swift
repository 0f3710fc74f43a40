import KafkaProtocol

extension ConsumerProtocolGroup {
    /// The topics a member subscribes to that exist: by name, and by regex (internal topics never
    /// match a regex).
    public func subscription(of member: ConsumerProtocolMember, topics: [String: Int32]) -> Set<String> {
        var names = Set(member.subscribedTopicNames.filter { topics[$0] != nil })
        if let pattern = member.subscribedTopicRegex, let regex = try? Regex(pattern) {
            for topic in topics.keys where !topic.hasPrefix("__") {
                if (try? regex.wholeMatch(in: topic)) != nil { names.insert(topic) }
            }
        }
        return names
    }

    /// Bumps the group epoch when a subscribed topic appeared, vanished or grew, then recomputes
    /// the target assignment if the epoch moved past it.
    mutating func refreshTarget(topics: [String: Int32], bump: Bool = false) {
        let subscriptions = members.mapValues { subscription(of: $0, topics: topics) }
        let used = subscriptions.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        let counts = topics.filter { used.contains($0.key) }
        if bump || counts != subscribedTopics {
            subscribedTopics = counts
            groupEpoch += 1
        }
        guard assignmentEpoch != groupEpoch else { return }
        target = ConsumerProtocolAssignor.assign(
            assignorName, subscriptions: subscriptions, partitionCounts: counts, previous: target)
        assignmentEpoch = groupEpoch
    }

    /// Partitions owned (assigned or still being revoked) by members other than `memberId`.
    func ownedByOthers(than memberId: String) -> Set<TopicPartition> {
        members.values.reduce(into: Set<TopicPartition>()) { owned, member in
            if member.memberId != memberId { owned.formUnion(member.owned) }
        }
    }

    /// Moves a member one step towards its target (Kafka's `CurrentAssignmentBuilder`): first it
    /// revokes what it must give up, keeping its epoch; once its heartbeat no longer lists those
    /// partitions it moves to the assignment epoch and gets the new partitions that are free.
    mutating func reconcile(_ memberId: String, owned: Set<TopicPartition>?, now: Int64) {
        guard var member = members[memberId], member.memberEpoch != -2 else { return }
        if member.state == .unrevokedPartitions {
            guard let owned, owned.isDisjoint(with: member.pendingRevocation) else { return }
            member.pendingRevocation = []
            member.revocationDeadlineMs = nil
            member.state = .stable
        } else if member.state == .stable && member.memberEpoch == assignmentEpoch {
            return
        }
        let targetPartitions = target[memberId] ?? []
        let kept = member.assigned.intersection(targetPartitions)
        let revoked = member.assigned.subtracting(targetPartitions)
        if !revoked.isEmpty {
            member.assigned = kept
            member.pendingRevocation = revoked
            member.state = .unrevokedPartitions
            member.revocationDeadlineMs = now + Int64(member.rebalanceTimeoutMs)
        } else {
            let wanted = targetPartitions.subtracting(kept)
            let free = wanted.subtracting(ownedByOthers(than: memberId))
            member.assigned = kept.union(free)
            if member.memberEpoch != assignmentEpoch {
                member.previousMemberEpoch = member.memberEpoch
                member.memberEpoch = assignmentEpoch
            }
            member.state = free.count == wanted.count ? .stable : .unreleasedPartitions
        }
        members[memberId] = member
    }

    // MARK: Clock

    /// Removes members whose session ran out, and members that kept partitions they had to
    /// revoke past their rebalance timeout. Returns the removed ids.
    public mutating func tick(now: Int64) -> [String] {
        let expired = members.values.filter { member in
            now - member.lastSeenMs > sessionTimeoutMs || (member.revocationDeadlineMs.map { now > $0 } ?? false)
        }.map(\.memberId).sorted()
        remove(expired)
        if !expired.isEmpty { refreshTarget(topics: subscribedTopics) }
        return expired
    }

    // MARK: Offsets

    /// Checks an OffsetCommit (v9+: member id and member epoch). An admin or assign() commit
    /// (no member id, epoch -1) is allowed only while the group has no members.
    public func validateCommit(memberId: String, memberEpoch: Int32) -> ErrorCode? {
        if memberId.isEmpty && memberEpoch < 0 { return members.isEmpty ? nil : .unknownMemberId }
        guard let member = members[memberId] else { return .unknownMemberId }
        return memberEpoch == member.memberEpoch ? nil : .staleMemberEpoch
    }
}
