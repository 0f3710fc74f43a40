import KafkaProtocol
import KafkaRecords
import KafkaWire
import NIOCore
import SluiceStorage

// Produce (key 0), versions 0–12 (Kafka 3.9's range plus 4.0's v12). From v3 only RecordBatch v2
// is accepted (magic 0/1 is INVALID_RECORD, as in Kafka); v0-v2 clients may send the old MessageSet
// (magic 0/1), which is checked (CRC-32, wrappers, inner offsets) and up-converted to one v2 batch,
// compression kept, before the usual path. zstd batches need v7 (UNSUPPORTED_COMPRESSION_TYPE below).
// Every batch is validated (size, magic, CRC32C, record structure) before it is appended as-is.
// acks=1 answers once the batch is in the log (written to the OS); acks=-1 (all) waits until it is
// fsynced — the wait is deferred, so the connection keeps appending its next requests and one fsync
// covers them all (group commit). acks=0 sends no response. Control batches are refused and
// transactional ones must belong to an open transaction (00_Produce+Transactions.swift).
struct ProduceHandler: KafkaHandler {
    typealias Request = ProduceRequest
    static let versions: ClosedRange<Int16> = 0...12

    let broker: BrokerServices

    func handle(_ request: ProduceRequest, context: RequestContext) throws -> HandlerReply<ProduceResponse> {
        let acks = request.acks
        var response = ProduceResponse()
        var pendingFlushes: [(topic: Int, partition: Int, log: PartitionLog, through: Int64)] = []
        let now = currentTimeMillis()

        for (topicIndex, topic) in request.topicData.enumerated() {
            var topicResponse = ProduceResponse.TopicProduceResponse()
            topicResponse.name = topic.name
            for (partitionIndex, partition) in topic.partitionData.enumerated() {
                var result = ProduceResponse.PartitionProduceResponse()
                result.index = partition.index
                do {
                    guard acks == 0 || acks == 1 || acks == -1 else {
                        throw KafkaFailure(.invalidRequiredAcks, "acks must be -1, 0 or 1, not \(acks)")
                    }
                    let appended = try append(
                        partition.records, topic: topic.name.rawValue, partition: partition.index, now: now,
                        version: context.apiVersion, transactionalId: request.transactionalId?.rawValue)
                    result.baseOffset = appended.result.firstOffset
                    result.logAppendTimeMs = appended.result.logAppendTime
                    result.logStartOffset = appended.result.logStartOffset
                    if acks == -1 {
                        pendingFlushes.append(
                            (topicIndex, partitionIndex, appended.log, appended.result.lastOffset))
                    }
                } catch {
                    let failure = KafkaFailure.from(error)
                    result.errorCode = failure.code.rawValue
                    result.errorMessage = failure.message
                    result.baseOffset = -1
                    // Refused records are the client's mistake worth seeing; the rest (retries,
                    // fenced producers, a full disk logged elsewhere) stay at debug.
                    broker.logger.log(
                        level: failure.code == .invalidRecord ? .info : .debug,
                        "produce to \(topic.name.rawValue)-\(partition.index) from \(context.peer) failed: \(failure)")
                }
                topicResponse.partitionResponses.append(result)
            }
            response.responses.append(topicResponse)
        }

        if acks == 0 {
            // The producer reads no response: dropping the connection is how it learns of a failure
            // (it then refreshes metadata and reconnects), as with Kafka.
            let failed = response.responses.flatMap(\.partitionResponses).first { $0.errorCode != 0 }
            if let failed { return .closeConnection("acks=0 produce failed with error \(failed.errorCode)") }
            return .none
        }
        if pendingFlushes.isEmpty { return .now(response) }
        // Answered from the flusher's callback: no task, one hop back to the event loop.
        let promise = context.eventLoop.makePromise(of: ProduceResponse.self)
        let waiting = DurableProduce(
            response: response, flushes: pendingFlushes.count, promise: promise, logger: broker.logger)
        for flush in pendingFlushes {
            flush.log.flush(through: flush.through) { result in
                waiting.flushed(topic: flush.topic, partition: flush.partition, result: result)
            }
        }
        return .future(promise.futureResult)
    }

    private func append(
        _ records: RecordsPayload?, topic: String, partition: Int32, now: Int64, version: Int16,
        transactionalId: String?
    ) throws -> (log: PartitionLog, result: AppendResult) {
        guard let handle = broker.topics.partition(topic, partition) else {
            throw KafkaFailure(.unknownTopicOrPartition, "\(topic)-\(partition) does not exist")
        }
        guard case .bytes(var bytes) = records, bytes.readableBytes > 0 else {
            throw KafkaFailure(.corruptMessage, "produce request has no record batches")
        }
        let magic = LegacyMessageSet.magic(of: bytes)
        if version < 3, let magic, magic < RecordBatchLayout.currentMagic {
            bytes = try LegacyMessageConversion.upConvert(bytes)
        } else if version >= 3, let magic, magic == 0 || magic == 1 {
            throw KafkaFailure(.invalidRecord, "Produce v\(version) only carries record batches with magic 2")
        }
        let batches = try RecordBatchValidator.validate(bytes, maxBatchBytes: handle.maxMessageBytes)
        // zstd came with Produce v7 (KIP-110): an older request carrying it is refused, as in Kafka.
        if version < 7, batches.contains(where: { $0.header.compression == .zstd }) {
            throw KafkaFailure(
                .unsupportedCompressionType,
                "Produce v\(version) may not carry zstd-compressed batches (v7 and later may)")
        }
        try checkTransactional(batches, transactionalId: transactionalId, topic: topic, partition: partition)
        if handle.log.config.compacts { try Self.requireKeys(bytes, batches: batches, topic: topic) }
        // The topic's compression.type (a no-op for the default, "producer").
        let stored = try TopicCompression.apply(
            to: bytes, batches: batches, codec: handle.compression, maxBatchBytes: handle.maxMessageBytes)
        let result = try handle.log.append(stored, batchCount: batches.count, now: now)
        broker.appendSignal.appended(topic: topic, partition: partition)
        return (handle.log, result)
    }

    /// A compacted topic keeps the latest record per key, so a record without a key has no place
    /// in it: like Kafka, the whole produce to the partition fails with INVALID_RECORD.
    static func requireKeys(_ bytes: ByteBuffer, batches: [ValidatedBatch], topic: String) throws {
        for batch in batches where !batch.header.isControl {
            let slice = bytes.getSlice(at: batch.range.lowerBound, length: batch.range.count)!
            for record in try RecordBatchReader.records(in: slice) where record.key == nil {
                throw KafkaFailure(
                    .invalidRecord,
                    "compacted topic '\(topic)' cannot accept a record without a key (offset delta \(record.offsetDelta))"
                )
            }
        }
    }
}
