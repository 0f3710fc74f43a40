import KafkaProtocol

// ListOffsets (key 2), versions 0–10. v0 answers a list of up to max_num_offsets offsets, newest
// first, as Kafka's segment-based lookup did: latest gives the high watermark then the log start,
// earliest the log start, a timestamp the first offset at or after it (else the high watermark).
// Special timestamps: -2 earliest (and -4, earliest local, the same here: all data is local),
// -1 latest (the last stable offset for read_committed, isolation level 1), -3 the record with the
// largest timestamp (KIP-734), -5 earliest pending tiered upload (none: -1).
// A timestamp ≥ 0 answers the exact offset of the first record at or after it, or -1 when none is.
struct ListOffsetsHandler: KafkaHandler {
    typealias Request = ListOffsetsRequest
    static let versions: ClosedRange<Int16> = 0...10

    let broker: BrokerServices

    func handle(_ request: ListOffsetsRequest, context: RequestContext) throws -> HandlerReply<ListOffsetsResponse> {
        var response = ListOffsetsResponse()
        response.topics = request.topics.map { topic in
            var topicResponse = ListOffsetsResponse.ListOffsetsTopicResponse()
            topicResponse.name = topic.name
            topicResponse.partitions = topic.partitions.map { partition in
                var result = ListOffsetsResponse.ListOffsetsPartitionResponse()
                result.partitionIndex = partition.partitionIndex
                guard let handle = broker.topics.partition(topic.name.rawValue, partition.partitionIndex) else {
                    result.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    return result
                }
                do {
                    if context.apiVersion == 0 {
                        result.oldStyleOffsets = try oldStyleOffsets(
                            partition.timestamp, max: partition.maxNumOffsets, in: handle)
                        return result
                    }
                    let found = try lookup(partition.timestamp, in: handle, committedOnly: request.isolationLevel == 1)
                    result.offset = found.offset
                    result.timestamp = found.timestamp
                    result.leaderEpoch = 0
                } catch {
                    result.errorCode = KafkaFailure.from(error).code.rawValue
                }
                return result
            }
            return topicResponse
        }
        return .now(response)
    }

    /// Version 0's answer: offsets, newest first, at most `max` of them.
    private func oldStyleOffsets(_ timestamp: Int64, max: Int32, in handle: PartitionHandle) throws -> [Int64] {
        let log = handle.log
        let offsets: [Int64]
        switch timestamp {
        case -1:
            offsets =
                log.highWatermark == log.logStartOffset ? [log.highWatermark] : [log.highWatermark, log.logStartOffset]
        case -2: offsets = [log.logStartOffset]
        case ..<0: offsets = []
        default: offsets = [try log.offset(forTimestamp: timestamp)?.offset ?? log.highWatermark]
        }
        return Array(offsets.prefix(Int(Swift.max(max, 0))))
    }

    private func lookup(_ timestamp: Int64, in handle: PartitionHandle, committedOnly: Bool) throws -> (
        offset: Int64, timestamp: Int64
    ) {
        let log = handle.log
        switch timestamp {
        case -2, -4: return (log.logStartOffset, -1)
        case -1: return (committedOnly ? log.lastStableOffset : log.highWatermark, -1)
        case -3: return try log.maxTimestampEntry() ?? (-1, -1)
        case ..<0: return (-1, -1)
        default: return try log.offset(forTimestamp: timestamp) ?? (-1, -1)
        }
    }
}
