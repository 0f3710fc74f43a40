/// A topic name (`entityType: topicName` in the specs).
public struct TopicName: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible,
    Comparable
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ value: String) { self.rawValue = value }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: TopicName, rhs: TopicName) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A consumer group id (`entityType: groupId`).
public struct GroupId: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible,
    Comparable
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ value: String) { self.rawValue = value }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: GroupId, rhs: GroupId) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A transactional producer's id (`entityType: transactionalId`).
public struct TransactionalId: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible, Comparable
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ value: String) { self.rawValue = value }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: TransactionalId, rhs: TransactionalId) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A producer id (`entityType: producerId`), an int64 on the wire; -1 means none.
public struct ProducerId: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible,
    Comparable
{
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ value: Int64) { self.rawValue = value }
    public init(integerLiteral value: Int64) { self.rawValue = value }
    public var description: String { String(rawValue) }
    public static func < (lhs: ProducerId, rhs: ProducerId) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A broker (node) id (`entityType: brokerId`), an int32 on the wire; -1 means none.
public struct BrokerId: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible,
    Comparable
{
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ value: Int32) { self.rawValue = value }
    public init(integerLiteral value: Int32) { self.rawValue = value }
    public var description: String { String(rawValue) }
    public static func < (lhs: BrokerId, rhs: BrokerId) -> Bool { lhs.rawValue < rhs.rawValue }
}
