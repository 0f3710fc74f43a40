import KafkaRecords
import Logging
import NIOCore
import SluiceCoordinator
import SluiceStorage

/// Transaction records in the internal `__transaction_state` topic: appended to the partition of
/// their transactional id (Kafka's hash, as for groups) and read back in order at start.
struct TransactionStorage: Sendable {
    static let topicName = "__transaction_state"

    let topics: TopicRegistry
    let partitionCount: Int32
    let logger: Logger

    /// Appends `records` (one batch per partition) and returns what to fsync before answering.
    /// Call under the coordinator lock, so the log order is the order the state machine applied them.
    func append(_ records: [TransactionRecord], now: Int64) throws -> [(log: PartitionLog, through: Int64)] {
        guard !records.isEmpty else { return [] }
        try ensureTopic()
        let count = topics.metadata(Self.topicName)?.partitionCount ?? partitionCount
        let byPartition = Dictionary(grouping: records) {
            offsetsPartition(for: $0.transactionalId, partitionCount: count)
        }
        var flushes: [(log: PartitionLog, through: Int64)] = []
        for (partition, records) in byPartition.sorted(by: { $0.key < $1.key }) {
            guard let handle = topics.partition(Self.topicName, partition) else {
                throw KafkaFailure(.coordinatorNotAvailable, "\(Self.topicName)-\(partition) is missing")
            }
            var builder = RecordBatchBuilder(baseTimestamp: now)
            for record in records {
                let (key, value) = record.encoded()
                builder.append(key: key, value: value, timestamp: now)
            }
            let result = try handle.log.append(builder.build(), batchCount: 1, now: now)
            flushes.append((handle.log, result.lastOffset))
        }
        return flushes
    }

    private func ensureTopic() throws {
        guard topics.metadata(Self.topicName) == nil else { return }
        do {
            // Compacted, as Kafka's: replay needs only the last record of each transactional id.
            try topics.create(
                name: Self.topicName, partitions: partitionCount, replicationFactor: 1,
                configs: ["cleanup.policy": "compact", "segment.bytes": "104857600"], validateOnly: false)
        } catch let failure where failure.code == .topicAlreadyExists {
            return
        }
    }

    /// Every record of the topic, partition by partition, in log order. Unreadable records are
    /// logged and skipped: a damaged record must not stop the broker.
    func replay(into coordinator: inout TransactionCoordinator) {
        guard let topic = topics.metadata(Self.topicName) else { return }
        for partition in 0..<topic.partitionCount {
            guard let log = topics.partition(Self.topicName, partition)?.log else { continue }
            var offset = log.logStartOffset
            while offset < log.logEndOffset {
                guard let batches = readBatches(log, from: offset) else { break }
                var consumed = false
                for batch in batches {
                    consumed = true
                    offset = batch.nextOffset
                    do {
                        for record in try RecordBatchReader.records(in: batch.bytes) {
                            do {
                                coordinator.replay(try TransactionRecord.decode(key: record.key, value: record.value))
                            } catch {
                                logger.warning("skipping an unreadable record in \(Self.topicName): \(error)")
                            }
                        }
                    } catch {
                        logger.warning("skipping an unreadable batch of \(Self.topicName) at \(offset): \(error)")
                    }
                }
                if !consumed { break }
            }
        }
    }

    /// The whole batches at `offset` and the offset after each.
    private func readBatches(_ log: PartitionLog, from offset: Int64) -> [(bytes: ByteBuffer, nextOffset: Int64)]? {
        let read: ByteBuffer?
        do {
            switch try log.read(from: offset, maxBytes: 1 << 20, minOneBatch: true).records {
            case .bytes(let bytes): read = bytes
            case .file(let slice): read = slice.readAll()
            case nil: return nil
            }
        } catch {
            logger.error("replaying \(Self.topicName) at offset \(offset) failed: \(error)")
            return nil
        }
        guard let buffer = read else { return nil }
        var batches: [(bytes: ByteBuffer, nextOffset: Int64)] = []
        var position = buffer.readerIndex
        while let header = try? RecordBatchHeader(parsing: buffer, at: position),
            position + header.totalSize <= buffer.writerIndex,
            let bytes = buffer.getSlice(at: position, length: header.totalSize)
        {
            batches.append((bytes, header.lastOffset + 1))
            position += header.totalSize
        }
        return batches
    }
}
