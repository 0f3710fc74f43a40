import KafkaProtocol

extension Admin {
    /// Deletes every record before `offset` in each partition (-1: up to the high watermark) and
    /// returns the new log start offsets. Needs a broker that serves DeleteRecords (else
    /// `unsupportedApi`).
    public func deleteRecords(before offsets: [TopicPartition: Int64]) async throws -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for (node, partitions) in try await cluster.byLeader(offsets.keys) {
            var request = DeleteRecordsRequest()
            request.timeoutMs = timeoutMs
            request.topics = Dictionary(grouping: partitions, by: \.topic).map { topic, entries in
                var item = DeleteRecordsRequest.DeleteRecordsTopic()
                item.name = TopicName(topic)
                item.partitions = entries.map {
                    var partition = DeleteRecordsRequest.DeleteRecordsPartition()
                    partition.partitionIndex = $0.partition
                    partition.offset = offsets[$0]!
                    return partition
                }
                return item
            }
            let answer = try await cluster.connection(toNode: node).send(
                request, timeout: config.requestTimeout.timeAmount)
            for topic in answer.topics {
                for partition in topic.partitions {
                    let key = TopicPartition(topic.name.rawValue, partition.partitionIndex)
                    try Self.check((partition.errorCode, nil), "delete records of \(key)")
                    result[key] = partition.lowWatermark
                }
            }
        }
        return result
    }
}
