import KafkaProtocol
import SluiceStorage

// DeleteRecords (key 21), versions 0–2 (Kafka 4.0's range; v2 is flexible). Moves each
// partition's log start offset up to the requested offset (-1: the high watermark) and deletes
// the whole segments below it; the new start offset is answered as the low watermark. As in
// Kafka, an offset past the high watermark is OFFSET_OUT_OF_RANGE and a topic whose
// cleanup.policy lacks `delete` refuses with POLICY_VIOLATION.
struct DeleteRecordsHandler: KafkaHandler {
    typealias Request = DeleteRecordsRequest
    static let versions: ClosedRange<Int16> = 0...2

    let broker: BrokerServices

    func handle(_ request: DeleteRecordsRequest, context: RequestContext) throws -> HandlerReply<DeleteRecordsResponse>
    {
        let topics = broker.topics
        let logger = broker.logger
        return .later {
            var response = DeleteRecordsResponse()
            response.topics = request.topics.map { topic in
                var result = DeleteRecordsResponse.DeleteRecordsTopicResult()
                result.name = topic.name
                result.partitions = topic.partitions.map { partition in
                    var entry = DeleteRecordsResponse.DeleteRecordsPartitionResult()
                    entry.partitionIndex = partition.partitionIndex
                    entry.lowWatermark = -1
                    do {
                        entry.lowWatermark = try Self.delete(
                            topics: topics, topic: topic.name.rawValue, partition: partition.partitionIndex,
                            before: partition.offset)
                    } catch {
                        let failure = KafkaFailure.from(error)
                        entry.errorCode = failure.code.rawValue
                        logger.info(
                            "DeleteRecords on \(topic.name.rawValue)-\(partition.partitionIndex) failed: \(failure)")
                    }
                    return entry
                }
                return result
            }
            return response
        }
    }

    private static func delete(topics: TopicRegistry, topic: String, partition: Int32, before offset: Int64) throws
        -> Int64
    {
        guard let handle = topics.partition(topic, partition) else {
            throw KafkaFailure(.unknownTopicOrPartition, "\(topic)-\(partition) does not exist")
        }
        guard handle.log.config.deletesByRetention else {
            throw KafkaFailure(
                .policyViolation, "records of \(topic)-\(partition) cannot be deleted: cleanup.policy is compact")
        }
        guard offset >= -1 else { throw KafkaFailure(.offsetOutOfRange, "offset \(offset) is not valid") }
        return try handle.log.deleteRecords(before: offset)
    }
}
