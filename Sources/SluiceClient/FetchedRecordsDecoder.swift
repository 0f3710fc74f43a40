import KafkaProtocol
import KafkaRecords
import NIOCore

/// Turns the record bytes of one partition of a Fetch answer into records, from `fetchOffset` on.
///
/// Skips control batches, and with read_committed the batches of aborted transactions: the answer
/// lists each aborted transaction's producer id and first offset, and its records are dropped up
/// to that producer's ABORT marker. A batch cut short by the fetch size limit ends the walk.
enum FetchedRecordsDecoder {
    struct Decoded {
        var records: [ConsumerRecord] = []
        /// Offset after the last whole batch read (next fetch position), nil when none was whole.
        var nextOffset: Int64?
    }

    static func decode(
        _ bytes: ByteBuffer, partition: TopicPartition, fetchOffset: Int64,
        abortedTransactions: [(producerId: Int64, firstOffset: Int64)]?
    ) throws -> Decoded {
        var result = Decoded()
        var aborted = (abortedTransactions ?? []).sorted { $0.firstOffset < $1.firstOffset }
        var activeAborts: Set<Int64> = []
        var at = bytes.readerIndex
        let end = bytes.writerIndex
        while end - at >= RecordBatchLayout.headerSize {
            let header = try RecordBatchHeader(parsing: bytes, at: at)
            let size = header.totalSize
            guard size <= end - at else { break }  // partial batch at the end
            defer {
                at += size
                result.nextOffset = header.nextOffset
            }
            if abortedTransactions != nil, header.isTransactional {
                while let first = aborted.first, first.firstOffset <= header.lastOffset {
                    activeAborts.insert(first.producerId)
                    aborted.removeFirst()
                }
            }
            if header.isControl {
                // An ABORT or COMMIT marker ends the producer's transaction.
                activeAborts.remove(header.producerId)
                continue
            }
            if header.isTransactional, activeAborts.contains(header.producerId) { continue }
            guard header.lastOffset >= fetchOffset else { continue }
            let slice = bytes.getSlice(at: at, length: size)!
            for record in try RecordBatchReader.records(in: slice) {
                let offset = record.offset(in: header)
                guard offset >= fetchOffset else { continue }
                result.records.append(
                    ConsumerRecord(
                        topic: partition.topic, partition: partition.partition, offset: offset,
                        timestamp: record.timestamp(in: header), key: record.key.map { Array(buffer: $0) },
                        value: record.value.map { Array(buffer: $0) },
                        headers: record.headers.map {
                            RecordHeaderValue(key: $0.key, value: $0.value.map { Array(buffer: $0) })
                        }))
            }
        }
        return result
    }
}
