import KafkaProtocol
import KafkaRecords
import KafkaWire
import NIOCore
import SluiceTestKit

/// Small request builders shared by the broker tests.
enum Requests {
    static func createTopic(_ name: String, partitions: Int32 = 1, factor: Int16 = 1, configs: [String: String] = [:])
        -> CreateTopicsRequest
    {
        var topic = CreateTopicsRequest.CreatableTopic()
        topic.name = TopicName(name)
        topic.numPartitions = partitions
        topic.replicationFactor = factor
        topic.configs = configs.sorted { $0.key < $1.key }.map { key, value in
            var config = CreateTopicsRequest.CreatableTopicConfig()
            config.name = key
            config.value = value
            return config
        }
        var request = CreateTopicsRequest()
        request.topics = [topic]
        request.timeoutMs = 5000
        return request
    }

    static func batch(values: [String], timestamp: Int64 = 1_700_000_000_000) -> ByteBuffer {
        var builder = RecordBatchBuilder(baseTimestamp: timestamp)
        for (index, value) in values.enumerated() {
            builder.append(
                key: ByteBuffer(string: "k\(index)"), value: ByteBuffer(string: value),
                timestamp: timestamp + Int64(index))
        }
        return builder.build()
    }

    static func produce(_ topic: String, partition: Int32 = 0, batch: ByteBuffer, acks: Int16 = -1) -> ProduceRequest {
        var partitionData = ProduceRequest.PartitionProduceData()
        partitionData.index = partition
        partitionData.records = .bytes(batch)
        var topicData = ProduceRequest.TopicProduceData()
        topicData.name = TopicName(topic)
        topicData.partitionData = [partitionData]
        var request = ProduceRequest()
        request.acks = acks
        request.timeoutMs = 5000
        request.topicData = [topicData]
        return request
    }

    static func fetch(_ topic: String, partition: Int32 = 0, offset: Int64, maxWaitMs: Int32 = 0, minBytes: Int32 = 1)
        -> FetchRequest
    {
        var partitionRequest = FetchRequest.FetchPartition()
        partitionRequest.partition = partition
        partitionRequest.fetchOffset = offset
        partitionRequest.partitionMaxBytes = 1 << 20
        var topicRequest = FetchRequest.FetchTopic()
        topicRequest.topic = TopicName(topic)
        topicRequest.partitions = [partitionRequest]
        var request = FetchRequest()
        request.maxWaitMs = maxWaitMs
        request.minBytes = minBytes
        request.maxBytes = 50 << 20
        request.topics = [topicRequest]
        return request
    }

    static func listOffsets(_ topic: String, partition: Int32 = 0, timestamp: Int64) -> ListOffsetsRequest {
        var partitionRequest = ListOffsetsRequest.ListOffsetsPartition()
        partitionRequest.partitionIndex = partition
        partitionRequest.timestamp = timestamp
        var topicRequest = ListOffsetsRequest.ListOffsetsTopic()
        topicRequest.name = TopicName(topic)
        topicRequest.partitions = [partitionRequest]
        var request = ListOffsetsRequest()
        request.replicaId = BrokerId(-1)
        request.topics = [topicRequest]
        return request
    }
}

extension FetchResponse {
    /// The values of every record returned for the first partition, in order.
    func values() throws -> [String] {
        guard let payload = responses.first?.partitions.first?.records else { return [] }
        let bytes: ByteBuffer
        switch payload {
        case .bytes(let buffer): bytes = buffer
        case .file(let slice): bytes = slice.readAll() ?? ByteBuffer()
        }
        var values: [String] = []
        var offset = bytes.readerIndex
        while offset < bytes.writerIndex {
            let header = try RecordBatchHeader(parsing: bytes, at: offset)
            let batch = bytes.getSlice(at: offset, length: header.totalSize)!
            for record in try RecordBatchReader.records(in: batch) {
                values.append(record.value.map { String(buffer: $0) } ?? "<null>")
            }
            offset += header.totalSize
        }
        return values
    }
}
