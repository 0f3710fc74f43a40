import KafkaProtocol
import KafkaRecords
import SluiceCoordinator
import SluiceStorage

// WriteTxnMarkers (key 27), versions 0–1. Sent by a transaction coordinator to partition leaders;
// on one node the coordinator writes its markers directly, but the API is served (for tools and
// for clusters later): each marker is appended to each listed partition and answered once on disk.
// A marker with an epoch older than the producer's gets INVALID_PRODUCER_EPOCH.
struct WriteTxnMarkersHandler: KafkaHandler {
    typealias Request = WriteTxnMarkersRequest
    static let versions: ClosedRange<Int16> = 0...1

    let broker: BrokerServices

    func handle(_ request: WriteTxnMarkersRequest, context: RequestContext) throws -> HandlerReply<
        WriteTxnMarkersResponse
    > {
        var response = WriteTxnMarkersResponse()
        var flushes: [(log: PartitionLog, through: Int64)] = []
        let now = currentTimeMillis()
        for marker in request.markers {
            var result = WriteTxnMarkersResponse.WritableTxnMarkerResult()
            result.producerId = marker.producerId
            for topic in marker.topics {
                var topicResult = WriteTxnMarkersResponse.WritableTxnMarkerTopicResult()
                topicResult.name = topic.name
                for partition in topic.partitionIndexes {
                    var partitionResult = WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult()
                    partitionResult.partitionIndex = partition
                    do {
                        flushes.append(
                            try broker.transactions.writeMarker(
                                marker.transactionResult ? .commit : .abort, producerId: marker.producerId.rawValue,
                                epoch: marker.producerEpoch, to: TopicPartition(topic.name.rawValue, partition),
                                now: now))
                    } catch {
                        let failure = KafkaFailure.from(error)
                        broker.logger.info("WriteTxnMarkers to \(topic.name.rawValue)-\(partition): \(failure)")
                        partitionResult.errorCode = failure.code.rawValue
                    }
                    topicResult.partitions.append(partitionResult)
                }
                result.topics.append(topicResult)
            }
            response.markers.append(result)
        }
        if flushes.isEmpty { return .now(response) }
        let answer = response
        let written = flushes
        return .later { [broker] in
            await broker.transactions.flush(written)
            return answer
        }
    }
}
