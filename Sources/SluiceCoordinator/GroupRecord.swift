import NIOCore

/// A record of the `__consumer_offsets` topic, in Kafka's layout so the log reads like Kafka's:
/// key `OffsetCommitKey` v1 (group, topic, partition) with value `OffsetCommitValue` v3 (v1 when the
/// commit set an expire timestamp, as Kafka writes it; readers such as Burrow know v0, v1 and v3), and key
/// `GroupMetadataKey` v2 (group). A null value is a tombstone.
public enum GroupRecord: Equatable, Sendable {
    case offset(group: String, partition: TopicPartition, CommittedOffset)
    case offsetTombstone(group: String, partition: TopicPartition)
    case groupTombstone(group: String)
    case groupMetadata(group: String, GroupSnapshot)

    public var groupId: String {
        switch self {
        case .offset(let group, _, _), .offsetTombstone(let group, _), .groupTombstone(let group),
            .groupMetadata(let group, _):
            return group
        }
    }

    /// Why a stored record could not be read.
    public struct DecodingError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public func encoded() -> (key: ByteBuffer, value: ByteBuffer?) {
        var key = ByteBuffer()
        switch self {
        case .offset(let group, let partition, let committed):
            Self.writeOffsetKey(&key, group: group, partition: partition)
            var value = ByteBuffer()
            if let expireTimestamp = committed.expireTimestamp {
                // v1: offset, metadata, commit timestamp, expire timestamp.
                value.writeInteger(Int16(1))
                value.writeInteger(committed.offset)
                Self.writeString(&value, committed.metadata)
                value.writeInteger(committed.commitTimestamp)
                value.writeInteger(expireTimestamp)
                return (key, value)
            }
            // v3: offset, leader epoch, metadata, commit timestamp.
            value.writeInteger(Int16(3))
            value.writeInteger(committed.offset)
            value.writeInteger(committed.leaderEpoch)
            Self.writeString(&value, committed.metadata)
            value.writeInteger(committed.commitTimestamp)
            return (key, value)
        case .offsetTombstone(let group, let partition):
            Self.writeOffsetKey(&key, group: group, partition: partition)
            return (key, nil)
        case .groupTombstone(let group):
            key.writeInteger(Int16(2))
            Self.writeString(&key, group)
            return (key, nil)
        case .groupMetadata(let group, let snapshot):
            key.writeInteger(Int16(2))
            Self.writeString(&key, group)
            return (key, snapshot.encoded())
        }
    }

    /// Decodes a stored record.
    public static func decode(key keyBytes: ByteBuffer?, value valueBytes: ByteBuffer?) throws(DecodingError)
        -> GroupRecord
    {
        guard var key = keyBytes, let keyVersion = key.readInteger(as: Int16.self) else {
            throw DecodingError(description: "record without a key")
        }
        switch keyVersion {
        case 0, 1:
            let group = try readString(&key)
            let topic = try readString(&key)
            guard let partition = key.readInteger(as: Int32.self) else {
                throw DecodingError(description: "offset key without a partition")
            }
            let topicPartition = TopicPartition(topic, partition)
            guard var value = valueBytes else { return .offsetTombstone(group: group, partition: topicPartition) }
            return .offset(group: group, partition: topicPartition, try readOffsetValue(&value))
        case 2:
            let group = try readString(&key)
            guard var value = valueBytes else { return .groupTombstone(group: group) }
            return .groupMetadata(group: group, try GroupSnapshot.decode(&value))
        default:
            throw DecodingError(description: "unknown key version \(keyVersion)")
        }
    }

    private static func readOffsetValue(_ value: inout ByteBuffer) throws(DecodingError) -> CommittedOffset {
        guard let version = value.readInteger(as: Int16.self), (0...3).contains(version),
            let offset = value.readInteger(as: Int64.self)
        else { throw DecodingError(description: "unsupported offset value") }
        var epoch: Int32 = -1
        if version >= 3 {
            guard let read = value.readInteger(as: Int32.self) else { throw DecodingError(description: "short value") }
            epoch = read
        }
        let metadata = try readString(&value)
        guard let timestamp = value.readInteger(as: Int64.self) else { throw DecodingError(description: "short value") }
        var expireTimestamp: Int64?
        if version == 1 {
            guard let read = value.readInteger(as: Int64.self) else { throw DecodingError(description: "short value") }
            expireTimestamp = read
        }
        return CommittedOffset(
            offset: offset, leaderEpoch: epoch, metadata: metadata, commitTimestamp: timestamp,
            expireTimestamp: expireTimestamp)
    }

    private static func writeOffsetKey(_ key: inout ByteBuffer, group: String, partition: TopicPartition) {
        key.writeInteger(Int16(1))
        writeString(&key, group)
        writeString(&key, partition.topic)
        key.writeInteger(partition.partition)
    }

    static func writeString(_ buffer: inout ByteBuffer, _ string: String) {
        buffer.writeInteger(Int16(string.utf8.count))
        buffer.writeString(string)
    }

    static func writeNullableString(_ buffer: inout ByteBuffer, _ string: String?) {
        guard let string else {
            buffer.writeInteger(Int16(-1))
            return
        }
        writeString(&buffer, string)
    }

    static func writeBytes(_ buffer: inout ByteBuffer, _ bytes: ByteBuffer) {
        buffer.writeInteger(Int32(bytes.readableBytes))
        buffer.writeImmutableBuffer(bytes)
    }

    static func readString(_ buffer: inout ByteBuffer) throws(DecodingError) -> String {
        guard let string = try readNullableString(&buffer) else { throw DecodingError(description: "null string") }
        return string
    }

    static func readNullableString(_ buffer: inout ByteBuffer) throws(DecodingError) -> String? {
        guard let length = buffer.readInteger(as: Int16.self) else { throw DecodingError(description: "short string") }
        if length == -1 { return nil }
        guard length >= 0, let string = buffer.readString(length: Int(length)) else {
            throw DecodingError(description: "bad string")
        }
        return string
    }

    static func readInt32(_ buffer: inout ByteBuffer) throws(DecodingError) -> Int32 {
        guard let value = buffer.readInteger(as: Int32.self) else { throw DecodingError(description: "short int32") }
        return value
    }

    static func readBytes(_ buffer: inout ByteBuffer) throws(DecodingError) -> ByteBuffer {
        let length = try readInt32(&buffer)
        guard length >= 0, let bytes = buffer.readSlice(length: Int(length)) else {
            throw DecodingError(description: "bad bytes")
        }
        return bytes
    }
}

/// Kafka's partition of `__consumer_offsets` for a group: `abs(groupId.hashCode()) % count`,
/// with Java's String.hashCode over UTF-16 code units and Kafka's `Utils.abs` (MIN_VALUE → 0).
public func offsetsPartition(for groupId: String, partitionCount: Int32) -> Int32 {
    var hash: Int32 = 0
    for unit in groupId.utf16 { hash = hash &* 31 &+ Int32(unit) }
    let positive = hash == .min ? 0 : abs(hash)
    return positive % partitionCount
}
