/// The classic protocol's "cooperative-sticky" assignment, computed by the group leader.
///
/// Members keep what they own (when still subscribed and not claimed by a member of a later
/// generation); free partitions go to the eligible member with the fewest; then partitions move
/// from the fullest to the emptiest member until counts differ by at most one. Cooperative part:
/// a partition that moves from one owner to another is left out of this round, so its owner
/// revokes it first and rejoins; the next round hands it over (no stop-the-world revocation).
enum CooperativeStickyAssignor {
    static let name = "cooperative-sticky"

    struct Member: Sendable {
        var id: String
        var topics: Set<String>
        var owned: [TopicPartition]
        var generation: Int32
    }

    /// Assignment per member id. `partitionCounts` has every subscribed topic that exists.
    static func assign(members: [Member], partitionCounts: [String: Int]) -> [String: [TopicPartition]] {
        let members = members.sorted { $0.id < $1.id }
        var assignment: [String: [TopicPartition]] = Dictionary(uniqueKeysWithValues: members.map { ($0.id, []) })
        var exists: Set<TopicPartition> = []
        for (topic, count) in partitionCounts {
            for index in 0..<count { exists.insert(TopicPartition(topic, Int32(index))) }
        }
        // Valid current owners: subscribed, existing, highest generation wins a double claim.
        var owner: [TopicPartition: (id: String, generation: Int32)] = [:]
        for member in members {
            for partition in member.owned where exists.contains(partition) && member.topics.contains(partition.topic) {
                if let current = owner[partition], current.generation >= member.generation { continue }
                owner[partition] = (member.id, member.generation)
            }
        }
        for (partition, current) in owner { assignment[current.id]!.append(partition) }
        let eligible: (TopicPartition) -> [String] = { partition in
            members.filter { $0.topics.contains(partition.topic) }.map(\.id)
        }
        // Free partitions to the least loaded eligible member.
        for partition in exists.subtracting(owner.keys).sorted() {
            guard
                let target = eligible(partition).min(by: { (assignment[$0]!.count, $0) < (assignment[$1]!.count, $1) })
            else { continue }
            assignment[target]!.append(partition)
        }
        // Balance: move from the fullest to the emptiest while they differ by more than one.
        var moved = true
        while moved {
            moved = false
            let ordered = members.map(\.id).sorted { (assignment[$0]!.count, $0) > (assignment[$1]!.count, $1) }
            search: for from in ordered {
                for to in ordered.reversed() where assignment[from]!.count - assignment[to]!.count > 1 {
                    let candidates = assignment[from]!.sorted().reversed()
                    guard let partition = candidates.first(where: { eligible($0).contains(to) }) else { continue }
                    assignment[from]!.removeAll { $0 == partition }
                    assignment[to]!.append(partition)
                    moved = true
                    break search
                }
            }
        }
        // Withhold partitions changing hands until their owner has revoked them.
        for member in members {
            assignment[member.id] = assignment[member.id]!.filter { partition in
                guard let current = owner[partition] else { return true }
                return current.id == member.id
            }.sorted()
        }
        return assignment
    }
}
