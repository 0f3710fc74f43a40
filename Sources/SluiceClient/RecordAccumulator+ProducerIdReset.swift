import KafkaRecords
import NIOCore

/// Starting over with a new producer id (the idempotent producer's answer to OUT_OF_ORDER_SEQUENCE_NUMBER,
/// UNKNOWN_PRODUCER_ID or INVALID_PRODUCER_EPOCH, e.g. after a topic was deleted and created
/// again under the same name): the failed batches went back to their queues in sequence order;
/// once nothing is in flight, every waiting batch gets the new id and sequences from 0.
extension RecordAccumulator {
    /// Batches in flight over all partitions.
    var inFlightCount: Int { queues.values.reduce(0) { $0 + $1.inFlight } }

    /// Installs the new producer id: waiting batches are re-stamped in queue order (header
    /// fields and CRC rewritten in place), open batches take the id when they close.
    mutating func install(producerId: Int64, epoch: Int16) {
        settings.producerId = producerId
        settings.producerEpoch = epoch
        for index in queues.indices {
            Self.restamp(&queues.values[index], producerId: producerId, epoch: epoch)
        }
        resetPending = false
    }

    private static func restamp(_ queue: inout PartitionQueue, producerId: Int64, epoch: Int16) {
        var sequence: Int32 = 0
        for index in queue.closed.indices {
            queue.closed[index].baseSequence = sequence
            if var bytes = queue.closed[index].encoded {
                queue.closed[index].encoded = nil  // the only reference: rewritten without a copy
                let at = bytes.readerIndex
                bytes.setInteger(producerId, at: at + RecordBatchLayout.producerIdOffset)
                bytes.setInteger(epoch, at: at + RecordBatchLayout.producerEpochOffset)
                bytes.setInteger(sequence, at: at + RecordBatchLayout.baseSequenceOffset)
                RecordBatchEditor.updateCRC(in: &bytes, batchAt: at)
                queue.closed[index].encoded = bytes
            }
            sequence &+= Int32(queue.closed[index].recordCount)
        }
        queue.nextSequence = sequence
        queue.open?.builder?.producerId = producerId
        queue.open?.builder?.producerEpoch = epoch
        queue.retrying = false
    }
}
