/// The server-side assignors of the consumer protocol: `uniform` (the default: balanced and sticky)
/// and `range` (contiguous ranges per topic).
public enum ConsumerProtocolAssignor {
    public static let names = ["uniform", "range"]

    /// A target assignment for `subscriptions` (member id → topics), given each topic's
    /// partition count and the previous target, which `uniform` keeps where it can.
    public static func assign(
        _ name: String, subscriptions: [String: Set<String>], partitionCounts: [String: Int32],
        previous: [String: Set<TopicPartition>]
    ) -> [String: Set<TopicPartition>] {
        name == "range"
            ? range(subscriptions, partitionCounts)
            : uniform(subscriptions, partitionCounts, previous: previous)
    }

    static func partitions(of topics: Set<String>, _ counts: [String: Int32]) -> [TopicPartition] {
        topics.sorted().flatMap { topic in (0..<(counts[topic] ?? 0)).map { TopicPartition(topic, $0) } }
    }

    /// Each topic's partitions split into contiguous ranges over its subscribers, in member-id order.
    static func range(_ subscriptions: [String: Set<String>], _ counts: [String: Int32]) -> [String: Set<
        TopicPartition
    >] {
        var result = subscriptions.mapValues { _ in Set<TopicPartition>() }
        let topics = subscriptions.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        for topic in topics.sorted() {
            let count = Int(counts[topic] ?? 0)
            let subscribers = subscriptions.filter { $0.value.contains(topic) }.keys.sorted()
            guard !subscribers.isEmpty else { continue }
            let base = count / subscribers.count
            let extra = count % subscribers.count
            var next = 0
            for (index, member) in subscribers.enumerated() {
                let size = base + (index < extra ? 1 : 0)
                for partition in next..<(next + size) {
                    result[member]?.insert(TopicPartition(topic, Int32(partition)))
                }
                next += size
            }
        }
        return result
    }

    /// Balanced within one partition, keeping each member's previous partitions where possible.
    static func uniform(
        _ subscriptions: [String: Set<String>], _ counts: [String: Int32], previous: [String: Set<TopicPartition>]
    ) -> [String: Set<TopicPartition>] {
        let members = subscriptions.keys.sorted()
        guard let first = members.first else { return [:] }
        let homogeneous = members.allSatisfy { subscriptions[$0] == subscriptions[first] }
        guard homogeneous else { return uniformHeterogeneous(subscriptions, counts, previous: previous) }
        let all = partitions(of: subscriptions[first] ?? [], counts)
        let valid = Set(all)
        let base = all.count / members.count
        let extra = all.count % members.count
        // Members that held the most keep the larger quotas, so fewer partitions move.
        let byHeld = members.sorted { lhs, rhs in
            let (l, r) = (previous[lhs]?.intersection(valid).count ?? 0, previous[rhs]?.intersection(valid).count ?? 0)
            return l != r ? l > r : lhs < rhs
        }
        var quota: [String: Int] = [:]
        for (index, member) in byHeld.enumerated() { quota[member] = base + (index < extra ? 1 : 0) }
        var result: [String: Set<TopicPartition>] = [:]
        var taken = Set<TopicPartition>()
        for member in members {
            let kept = (previous[member] ?? []).intersection(valid).subtracting(taken).sorted().prefix(
                quota[member] ?? 0)
            result[member] = Set(kept)
            taken.formUnion(kept)
        }
        var free = all.filter { !taken.contains($0) }[...]
        for member in members {
            while (result[member]?.count ?? 0) < (quota[member] ?? 0), let next = free.popFirst() {
                result[member]?.insert(next)
            }
        }
        return result
    }

    /// Different subscriptions: each partition goes to its least-loaded subscriber, the previous
    /// owner winning ties.
    static func uniformHeterogeneous(
        _ subscriptions: [String: Set<String>], _ counts: [String: Int32], previous: [String: Set<TopicPartition>]
    ) -> [String: Set<TopicPartition>] {
        var result = subscriptions.mapValues { _ in Set<TopicPartition>() }
        var previousOwner: [TopicPartition: String] = [:]
        for (member, partitions) in previous { for partition in partitions { previousOwner[partition] = member } }
        let topics = subscriptions.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        for partition in partitions(of: topics, counts) {
            let eligible = subscriptions.filter { $0.value.contains(partition.topic) }.keys.sorted()
            guard
                let chosen = eligible.min(by: { lhs, rhs in
                    let (l, r) = (result[lhs]?.count ?? 0, result[rhs]?.count ?? 0)
                    if l != r { return l < r }
                    return previousOwner[partition] == lhs && previousOwner[partition] != rhs
                })
            else { continue }
            result[chosen]?.insert(partition)
        }
        return result
    }
}
