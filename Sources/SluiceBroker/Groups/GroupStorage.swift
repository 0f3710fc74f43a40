import KafkaRecords
import KafkaWire
import Logging
import NIOCore
import SluiceCoordinator
import SluiceStorage

/// Group records in the internal `__consumer_offsets` topic: appends them to the group's
/// partition (Kafka's hash of the group id) and reads every partition back at start.
struct GroupStorage: Sendable {
    let topics: TopicRegistry
    let partitionCount: Int32
    let logger: Logger

    /// The partition count in use: the existing topic's, else the configured one.
    var effectivePartitionCount: Int32 {
        topics.metadata(GroupService.topicName)?.partitionCount ?? partitionCount
    }

    /// Appends `records` (one batch per partition) and returns what to fsync before answering.
    /// Call under the group lock, so the log order is the order the state machine applied them.
    func append(_ records: [GroupRecord], now: Int64) throws -> [(log: PartitionLog, through: Int64)] {
        try append(encoded: records.map { ($0.groupId, $0.encoded()) }, now: now)
    }

    /// Appends records of consumer-protocol groups, as `append(_:now:)`.
    func append(_ records: [ConsumerProtocolRecord], now: Int64) throws -> [(log: PartitionLog, through: Int64)] {
        try append(encoded: records.map { ($0.groupId, $0.encoded()) }, now: now)
    }

    /// Appends a transactional producer's offset commits (TxnOffsetCommit) as a transactional
    /// batch: they take effect when the transaction's COMMIT marker reaches that partition.
    func appendTransactional(_ records: [GroupRecord], producerId: Int64, epoch: Int16, now: Int64) throws
        -> [(log: PartitionLog, through: Int64)]
    {
        try append(
            encoded: records.map { ($0.groupId, $0.encoded()) }, now: now, producer: (producerId, epoch))
    }

    private func append(
        encoded records: [(groupId: String, record: (key: ByteBuffer, value: ByteBuffer?))], now: Int64,
        producer: (id: Int64, epoch: Int16)? = nil
    ) throws -> [(log: PartitionLog, through: Int64)] {
        guard !records.isEmpty else { return [] }
        try ensureTopic()
        let count = effectivePartitionCount
        let byPartition = Dictionary(grouping: records) { offsetsPartition(for: $0.groupId, partitionCount: count) }
        var flushes: [(log: PartitionLog, through: Int64)] = []
        for (partition, records) in byPartition.sorted(by: { $0.key < $1.key }) {
            guard let handle = topics.partition(GroupService.topicName, partition) else {
                throw KafkaFailure(.coordinatorNotAvailable, "\(GroupService.topicName)-\(partition) is missing")
            }
            var builder = RecordBatchBuilder(
                baseTimestamp: now, producerId: producer?.id ?? -1, producerEpoch: producer?.epoch ?? -1,
                isTransactional: producer != nil)
            for (_, (key, value)) in records {
                builder.append(key: key, value: value, timestamp: now)
            }
            let result = try handle.log.append(builder.build(), batchCount: 1, now: now)
            flushes.append((handle.log, result.lastOffset))
        }
        return flushes
    }

    func ensureTopic() throws {
        guard topics.metadata(GroupService.topicName) == nil else { return }
        do {
            try topics.create(
                name: GroupService.topicName, partitions: partitionCount, replicationFactor: 1,
                configs: ["cleanup.policy": "compact", "segment.bytes": "104857600"], validateOnly: false)
        } catch let failure where failure.code == .topicAlreadyExists {
            return
        }
    }

    /// What replay rebuilds: classic groups (and every group's offsets) and consumer-protocol groups.
    struct Replayed {
        var groups: [String: ConsumerGroup] = [:]
        /// Offsets of transactions with no marker yet, by producer and offsets partition.
        var pendingTransactionalOffsets: [GroupService.PendingKey: [GroupRecord]] = [:]
        var consumerGroups: [String: ConsumerProtocolGroup] = [:]
        /// `group.consumer.session.timeout.ms`, for the consumer-protocol groups it creates.
        var consumerSessionTimeoutMs: Int32
    }

    /// Every group with committed offsets or consumer-protocol members, rebuilt from the log in
    /// order. Unreadable records are logged and skipped: a damaged record must not stop the broker.
    func replay(consumerSessionTimeoutMs: Int32) -> Replayed {
        var groups = Replayed(consumerSessionTimeoutMs: consumerSessionTimeoutMs)
        guard let topic = topics.metadata(GroupService.topicName) else { return groups }
        let now = currentTimeMillis()
        for partition in 0..<topic.partitionCount {
            guard let log = topics.partition(GroupService.topicName, partition)?.log else { continue }
            var offset = log.logStartOffset
            while offset < log.logEndOffset {
                guard let bytes = readBatches(log, from: offset) else { break }
                guard let next = apply(batches: bytes, partition: partition, to: &groups, now: now) else { break }
                offset = next
            }
        }
        groups.groups = groups.groups.filter { !$0.value.isUnused }
        groups.consumerGroups = groups.consumerGroups.filter { !$0.value.members.isEmpty }
        return groups
    }

    private func readBatches(_ log: PartitionLog, from offset: Int64) -> ByteBuffer? {
        do {
            switch try log.read(from: offset, maxBytes: 1 << 20, minOneBatch: true).records {
            case .bytes(let buffer): return buffer
            case .file(let slice): return slice.readAll()
            case nil: return nil
            }
        } catch {
            logger.error("replaying \(GroupService.topicName) at offset \(offset) failed: \(error)")
            return nil
        }
    }

    /// Applies whole batches; returns the offset after the last one, nil if no batch was whole.
    private func apply(batches: ByteBuffer, partition: Int32, to groups: inout Replayed, now: Int64) -> Int64? {
        var buffer = batches
        var next: Int64?
        while buffer.readableBytes >= RecordBatchLayout.recordsOffset,
            let length = buffer.getInteger(at: buffer.readerIndex + 8, as: Int32.self), length > 0,
            let batch = buffer.readSlice(length: 12 + Int(length))
        {
            guard let base = batch.getInteger(at: batch.readerIndex, as: Int64.self),
                let lastDelta = batch.getInteger(at: batch.readerIndex + 23, as: Int32.self)
            else { break }
            next = base + Int64(lastDelta) + 1
            if let header = try? RecordBatchHeader(parsing: batch, at: batch.readerIndex), header.isTransactional {
                applyTransactional(batch, header: header, partition: partition, to: &groups, now: now)
                continue
            }
            do {
                for record in try RecordBatchReader.records(in: batch) {
                    do {
                        switch try StoredGroupRecord.decode(key: record.key, value: record.value) {
                        case .classic(let decoded): apply(decoded, to: &groups.groups, now: now)
                        case .consumer(let decoded): apply(decoded, to: &groups, now: now)
                        }
                    } catch {
                        logger.warning("skipping an unreadable record in \(GroupService.topicName): \(error)")
                    }
                }
            } catch {
                logger.warning("skipping an unreadable batch at offset \(base) of \(GroupService.topicName): \(error)")
            }
        }
        return next
    }

    /// A transactional producer's offsets wait for their transaction's marker in the same partition:
    /// COMMIT applies them, ABORT drops them.
    private func applyTransactional(
        _ batch: ByteBuffer, header: RecordBatchHeader, partition: Int32, to groups: inout Replayed, now: Int64
    ) {
        let key = GroupService.PendingKey(producerId: header.producerId, partition: partition)
        if header.isControl {
            let pending = groups.pendingTransactionalOffsets.removeValue(forKey: key) ?? []
            guard ControlRecordType.of(batchIn: batch, at: batch.readerIndex) == .commit else { return }
            for record in pending { apply(record, to: &groups.groups, now: now) }
            return
        }
        do {
            for record in try RecordBatchReader.records(in: batch) {
                if case .classic(let decoded) = try StoredGroupRecord.decode(key: record.key, value: record.value) {
                    groups.pendingTransactionalOffsets[key, default: []].append(decoded)
                }
            }
        } catch {
            logger.warning("skipping an unreadable transactional batch of \(GroupService.topicName): \(error)")
        }
    }

    private func apply(_ record: GroupRecord, to groups: inout [String: ConsumerGroup], now: Int64) {
        if case .groupTombstone(let id) = record {
            groups[id] = nil
            return
        }
        let id = record.groupId
        var group = groups[id] ?? ConsumerGroup(groupId: id)
        group.replay(record, now: now)
        groups[id] = group
    }

    private func apply(_ record: ConsumerProtocolRecord, to groups: inout Replayed, now: Int64) {
        let id = record.groupId
        // The group epoch's tombstone is the last record of a group that emptied.
        if case .groupEpoch(_, nil) = record {
            groups.consumerGroups[id] = nil
            return
        }
        var group =
            groups.consumerGroups[id]
            ?? ConsumerProtocolGroup(groupId: id, sessionTimeoutMs: groups.consumerSessionTimeoutMs)
        group.replay(record, now: now)
        groups.consumerGroups[id] = group
    }
}
