import NIOCore

/// A member of a classic group: its protocols, its assignment, and where it is in the rebalance.
public struct GroupMember: Equatable, Sendable {
    public var memberId: String
    public var groupInstanceId: String?
    public var clientId: String
    public var clientHost: String
    public var sessionTimeoutMs: Int32
    public var rebalanceTimeoutMs: Int32
    public var protocolType: String
    public var protocols: [MemberProtocol]
    public var assignment = ByteBuffer()
    /// A JoinGroup of this member is parked until the rebalance completes.
    public var awaitingJoin = false
    /// A SyncGroup of this member is parked until the leader's assignment arrives.
    public var awaitingSync = false
    /// When the member last proved it is alive (a heartbeat, join, sync or commit).
    public var lastSeenMs: Int64

    /// The metadata this member sent for `protocolName`.
    public func metadata(for protocolName: String?) -> ByteBuffer {
        protocols.first { $0.name == protocolName }?.metadata ?? ByteBuffer()
    }

    /// As in Kafka, a member whose JoinGroup or SyncGroup is parked counts as alive (it is waiting
    /// on the group, not gone); the rebalance and sync deadlines bound those waits instead.
    func sessionExpired(now: Int64) -> Bool {
        !awaitingJoin && !awaitingSync && now - lastSeenMs > Int64(sessionTimeoutMs)
    }
}
