import NIOCore

/// A record read back from `__consumer_offsets`: of a classic group or of a consumer-protocol group.
public enum StoredGroupRecord: Equatable, Sendable {
    case classic(GroupRecord)
    case consumer(ConsumerProtocolRecord)

    /// Decodes by key version: 0–2 are classic records, 3–8 consumer-protocol ones.
    public static func decode(key: ByteBuffer?, value: ByteBuffer?) throws(GroupRecord.DecodingError)
        -> StoredGroupRecord
    {
        if let version = key?.getInteger(at: key?.readerIndex ?? 0, as: Int16.self),
            ConsumerProtocolRecord.keyVersions.contains(version)
        {
            return .consumer(try ConsumerProtocolRecord.decode(key: key, value: value))
        }
        return .classic(try GroupRecord.decode(key: key, value: value))
    }
}

extension ConsumerProtocolRecord {
    public typealias DecodingError = GroupRecord.DecodingError

    /// Decodes a stored record with key version 3–8.
    public static func decode(key keyBytes: ByteBuffer?, value valueBytes: ByteBuffer?) throws(DecodingError)
        -> ConsumerProtocolRecord
    {
        guard var key = keyBytes, let version = key.readInteger(as: Int16.self) else {
            throw DecodingError(description: "record without a key")
        }
        let group = try GroupRecord.readString(&key)
        let member = version >= 5 && version != 6 ? try GroupRecord.readString(&key) : ""
        var value = valueBytes
        if value != nil {
            guard value?.readInteger(as: Int16.self) == 0 else {
                throw DecodingError(description: "unsupported value version of key version \(version)")
            }
        }
        switch version {
        case 3: return .groupEpoch(group: group, try read(value, readInt32))
        case 4: return .subscribedTopics(group: group, try read(value, readTopics))
        case 5: return .memberMetadata(group: group, memberId: member, try read(value, readMetadata))
        case 6: return .targetEpoch(group: group, try read(value, readInt32))
        case 7: return .targetMember(group: group, memberId: member, try read(value, readPartitions))
        case 8: return .currentAssignment(group: group, memberId: member, try read(value, readCurrent))
        default: throw DecodingError(description: "unknown key version \(version)")
        }
    }

    /// The payload read by `reader`, nil for a tombstone.
    private static func read<T>(_ bytes: ByteBuffer?, _ reader: (inout ByteBuffer) throws(DecodingError) -> T)
        throws(DecodingError) -> T?
    {
        guard var buffer = bytes else { return nil }
        return try reader(&buffer)
    }

    private static func readInt32(_ value: inout ByteBuffer) throws(DecodingError) -> Int32 {
        try GroupRecord.readInt32(&value)
    }

    private static func readCount(_ value: inout ByteBuffer) throws(DecodingError) -> Int {
        let count = try GroupRecord.readInt32(&value)
        guard count >= 0, Int(count) <= value.readableBytes else { throw DecodingError(description: "bad count") }
        return Int(count)
    }

    private static func readTopics(_ value: inout ByteBuffer) throws(DecodingError) -> [String: Int32] {
        var topics: [String: Int32] = [:]
        for _ in 0..<(try readCount(&value)) {
            let name = try GroupRecord.readString(&value)
            topics[name] = try GroupRecord.readInt32(&value)
        }
        return topics
    }

    private static func readMetadata(_ value: inout ByteBuffer) throws(DecodingError) -> MemberMetadata {
        let instance = try GroupRecord.readNullableString(&value)
        let rack = try GroupRecord.readNullableString(&value)
        let clientId = try GroupRecord.readString(&value)
        let clientHost = try GroupRecord.readString(&value)
        var names: [String] = []
        for _ in 0..<(try readCount(&value)) { names.append(try GroupRecord.readString(&value)) }
        let regex = try GroupRecord.readNullableString(&value)
        let rebalance = try GroupRecord.readInt32(&value)
        let assignor = try GroupRecord.readNullableString(&value)
        return MemberMetadata(
            instanceId: instance, rackId: rack, clientId: clientId, clientHost: clientHost,
            subscribedTopicNames: names, subscribedTopicRegex: regex, rebalanceTimeoutMs: rebalance,
            serverAssignor: assignor)
    }

    private static func readPartitions(_ value: inout ByteBuffer) throws(DecodingError) -> Set<TopicPartition> {
        var partitions = Set<TopicPartition>()
        for _ in 0..<(try readCount(&value)) {
            let topic = try GroupRecord.readString(&value)
            for _ in 0..<(try readCount(&value)) { partitions.insert(TopicPartition(topic, try readInt32(&value))) }
        }
        return partitions
    }

    private static func readCurrent(_ value: inout ByteBuffer) throws(DecodingError) -> CurrentAssignment {
        let epoch = try readInt32(&value)
        let previous = try readInt32(&value)
        guard let code = value.readInteger(as: Int8.self),
            let state = stateCodes.first(where: { $0.value == code })?.key
        else { throw DecodingError(description: "bad member state") }
        let assigned = try readPartitions(&value)
        let pending = try readPartitions(&value)
        return CurrentAssignment(
            memberEpoch: epoch, previousMemberEpoch: previous, state: state, assigned: assigned,
            pendingRevocation: pending)
    }
}
