import Foundation

/// A consumer's membership in a group: keeps the member alive and applies assignments.
protocol GroupMembership: Sendable {
    /// Joins and stays in the group until `leave` (or the consumer closes).
    func run() async
    /// Leaves the group at once so its partitions move to other members.
    func leave() async
}

extension Subscription {
    /// The subscribed topics among `available` (the cluster's topics).
    func topics(among available: [String]) -> [String] {
        switch self {
        case .none, .manual: return []
        case .topics(let topics): return topics
        case .pattern(let pattern):
            guard let regex = try? Regex(pattern) else { return [] }
            return available.filter { (try? regex.wholeMatch(in: $0)) != nil }.sorted()
        }
    }
}

/// A fresh member id for KIP-848 (clients choose their own from version 1 on).
func makeMemberId() -> String { UUID().uuidString }
