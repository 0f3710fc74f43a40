import NIOCore

/// A record of the internal `__transaction_state` topic, in Kafka's layout so the log reads like
/// Kafka's. A null value is a tombstone (an expired transactional id).
///
/// Key (`TransactionLogKey` v0), big-endian: version Int16 = 0, transactional id (Int16 length + UTF-8).
///
/// Value (`TransactionLogValue` v0): version Int16 = 0, producer id Int64, producer epoch Int16,
/// transaction timeout ms Int32, status Int8 (`TransactionState` id), partitions (Int32 topic count,
/// -1 for null; per topic: name as Int16 length + UTF-8, Int32 partition count, Int32 per
/// partition), last update timestamp Int64, transaction start timestamp Int64.
public enum TransactionRecord: Equatable, Sendable {
    case metadata(TransactionMetadata)
    case tombstone(transactionalId: String)

    public var transactionalId: String {
        switch self {
        case .metadata(let metadata): metadata.transactionalId
        case .tombstone(let id): id
        }
    }

    public typealias DecodingError = GroupRecord.DecodingError

    public func encoded() -> (key: ByteBuffer, value: ByteBuffer?) {
        var key = ByteBuffer()
        key.writeInteger(Int16(0))
        GroupRecord.writeString(&key, transactionalId)
        guard case .metadata(let metadata) = self else { return (key, nil) }
        var value = ByteBuffer()
        value.writeInteger(Int16(0))
        value.writeInteger(metadata.producerId)
        value.writeInteger(metadata.producerEpoch)
        value.writeInteger(metadata.timeoutMs)
        value.writeInteger(metadata.state.rawValue)
        let byTopic = Dictionary(grouping: metadata.partitions, by: \.topic)
        value.writeInteger(Int32(byTopic.count))
        for (topic, partitions) in byTopic.sorted(by: { $0.key < $1.key }) {
            GroupRecord.writeString(&value, topic)
            value.writeInteger(Int32(partitions.count))
            for partition in partitions.map(\.partition).sorted() { value.writeInteger(partition) }
        }
        value.writeInteger(metadata.lastUpdateTimestamp)
        value.writeInteger(metadata.startTimestamp)
        return (key, value)
    }

    /// Decodes a stored record (value version 0; version 1, Kafka's flexible form, is not written
    /// by Sluice and is rejected).
    public static func decode(key keyBytes: ByteBuffer?, value valueBytes: ByteBuffer?) throws(DecodingError)
        -> TransactionRecord
    {
        guard var key = keyBytes, key.readInteger(as: Int16.self) == 0 else {
            throw DecodingError(description: "transaction record without a version-0 key")
        }
        let id = try GroupRecord.readString(&key)
        guard var value = valueBytes else { return .tombstone(transactionalId: id) }
        guard value.readInteger(as: Int16.self) == 0, let producerId = value.readInteger(as: Int64.self),
            let epoch = value.readInteger(as: Int16.self), let timeout = value.readInteger(as: Int32.self),
            let status = value.readInteger(as: Int8.self).flatMap(TransactionState.init(rawValue:))
        else { throw DecodingError(description: "unsupported transaction value for '\(id)'") }
        var metadata = TransactionMetadata(
            transactionalId: id, producerId: producerId, producerEpoch: epoch, timeoutMs: timeout, state: status,
            now: 0)
        let topics = try GroupRecord.readInt32(&value)
        for _ in 0..<max(topics, 0) {
            let topic = try GroupRecord.readString(&value)
            let count = try GroupRecord.readInt32(&value)
            for _ in 0..<max(count, 0) {
                metadata.partitions.insert(TopicPartition(topic, try GroupRecord.readInt32(&value)))
            }
        }
        guard let lastUpdate = value.readInteger(as: Int64.self), let start = value.readInteger(as: Int64.self) else {
            throw DecodingError(description: "short transaction value for '\(id)'")
        }
        metadata.lastUpdateTimestamp = lastUpdate
        metadata.startTimestamp = start
        return .metadata(metadata)
    }
}
