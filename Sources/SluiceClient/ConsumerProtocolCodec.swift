import KafkaWire
import NIOCore

/// The classic group protocol's "consumer" payloads (JoinGroup metadata and SyncGroup
/// assignment), in their non-flexible encoding: int16 version, then the fields below.
///
/// Subscription: topics `[string]`, userData `nullable bytes`, v1+ ownedPartitions
/// `[topic string, partitions [int32]]`, v2+ generationId `int32`, v3+ rackId `nullable string`.
/// Assignment: assignedPartitions `[topic string, partitions [int32]]`, userData `nullable bytes`.
enum ConsumerProtocolCodec {
    struct Subscription: Equatable, Sendable {
        var topics: [String]
        var ownedPartitions: [TopicPartition] = []
        var generationId: Int32 = -1
    }

    /// Version 2 carries owned partitions and the generation, which cooperative-sticky needs.
    static func encode(_ subscription: Subscription) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(2))
        buffer.writeInteger(Int32(subscription.topics.count))
        for topic in subscription.topics { buffer.writeKafkaString(topic) }
        buffer.writeInteger(Int32(-1))  // userData: null
        writePartitions(subscription.ownedPartitions, to: &buffer)
        buffer.writeInteger(subscription.generationId)
        return buffer
    }

    static func decodeSubscription(_ bytes: ByteBuffer) throws -> Subscription {
        var buffer = bytes
        let version = try buffer.readKafkaInteger(as: Int16.self)
        let count = try buffer.readKafkaNonNullArrayCount(compact: false)
        var topics: [String] = []
        for _ in 0..<count { topics.append(try buffer.readKafkaString()) }
        _ = try buffer.readKafkaNullableBytes()
        var subscription = Subscription(topics: topics)
        if version >= 1 { subscription.ownedPartitions = try readPartitions(&buffer) }
        if version >= 2 { subscription.generationId = try buffer.readKafkaInteger(as: Int32.self) }
        return subscription
    }

    static func encode(assignment: [TopicPartition]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(0))
        writePartitions(assignment, to: &buffer)
        buffer.writeInteger(Int32(-1))  // userData: null
        return buffer
    }

    /// An empty payload is an empty assignment (a member that got nothing).
    static func decodeAssignment(_ bytes: ByteBuffer) throws -> [TopicPartition] {
        var buffer = bytes
        guard buffer.readableBytes > 0 else { return [] }
        _ = try buffer.readKafkaInteger(as: Int16.self)
        return try readPartitions(&buffer)
    }

    private static func writePartitions(_ partitions: [TopicPartition], to buffer: inout ByteBuffer) {
        let byTopic = Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }
        buffer.writeInteger(Int32(byTopic.count))
        for (topic, entries) in byTopic {
            buffer.writeKafkaString(topic)
            buffer.writeInteger(Int32(entries.count))
            for entry in entries.sorted() { buffer.writeInteger(entry.partition) }
        }
    }

    private static func readPartitions(_ buffer: inout ByteBuffer) throws -> [TopicPartition] {
        var result: [TopicPartition] = []
        let topics = try buffer.readKafkaNonNullArrayCount(compact: false)
        for _ in 0..<topics {
            let topic = try buffer.readKafkaString()
            let count = try buffer.readKafkaNonNullArrayCount(compact: false)
            for _ in 0..<count { result.append(TopicPartition(topic, try buffer.readKafkaInteger(as: Int32.self))) }
        }
        return result
    }
}
