import KafkaProtocol
import KafkaRecords
import SluiceCoordinator

// What Produce checks of transactional data (KIP-890 part 1's partition verification, as Kafka
// 4.0 does by default): markers come only from the coordinator, and a transactional batch must
// belong to an open transaction of the request's transactional id, with that producer id and
// epoch, that holds the partition. Otherwise the data would start a transaction the coordinator
// never ends, and the partition's last stable offset would stay behind it for good.
extension ProduceHandler {
    func checkTransactional(
        _ batches: [ValidatedBatch], transactionalId: String?, topic: String, partition: Int32
    ) throws {
        for batch in batches {
            let header = batch.header
            if header.isControl {
                throw KafkaFailure(.invalidRecord, "clients may not produce control batches")
            }
            guard header.isTransactional else { continue }
            guard let id = transactionalId,
                let transaction = broker.transactions.metadata(transactionalId: id),
                transaction.producerId == header.producerId
            else {
                throw KafkaFailure(
                    .invalidTxnState, "transactional batch of producer \(header.producerId) outside a transaction")
            }
            if header.producerEpoch < transaction.producerEpoch {
                throw KafkaFailure(
                    .invalidProducerEpoch,
                    "epoch \(header.producerEpoch) of '\(id)' is fenced by \(transaction.producerEpoch)")
            }
            guard transaction.state == .ongoing, transaction.producerEpoch == header.producerEpoch,
                transaction.partitions.contains(TopicPartition(topic, partition))
            else {
                throw KafkaFailure(.invalidTxnState, "\(topic)-\(partition) is not in an open transaction of '\(id)'")
            }
        }
    }
}
