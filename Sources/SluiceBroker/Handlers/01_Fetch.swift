import KafkaProtocol
import KafkaRecords
import KafkaWire
import NIOCore
import SluiceStorage

// Fetch (key 1), versions 0–17 (topic ids instead of names from v13). Versions 0-3 cannot carry
// RecordBatch v2: their records are down-converted in memory to magic 0 (v0-v1) or magic 1 (v2-v3)
// messages (LegacyMessageConversion), bounded by the partition's byte limit and done on this
// client's request; v4+ keeps the zero-copy path. A topic with message.downconversion.enable=false
// answers such fetches UNSUPPORTED_VERSION, as Kafka does. Below v4 there is no isolation level and no
// aborted-transactions list. A topic with compression.type=zstd answers fetches below v10 (clients
// that cannot read zstd) UNSUPPORTED_COMPRESSION_TYPE, as Kafka does.
// Long poll: when less than min.bytes is ready, the response waits until an append to one of the
// asked-for partitions or until max.wait.ms. Limits: max.bytes for the response and
// partition max bytes per partition, except that the first partition with data always gets at
// least one whole batch so a consumer can never get stuck behind a large batch.
// Record bytes go from the segment file to the socket by sendfile (RecordsPayload.file).
// Fetch sessions (KIP-227) are not kept: a session id of 0 in the response tells the client to
// keep sending full fetch requests.
// isolation_level=1 (read_committed) returns batches below the last stable offset only, with the
// aborted transactions in that range, so the client drops their records.
struct FetchHandler: KafkaHandler {
    typealias Request = FetchRequest
    static let versions: ClosedRange<Int16> = 0...17
    /// Most stored bytes one partition of a Fetch v0-v3 reads into memory to down-convert (v0-v2
    /// requests carry no overall max_bytes); a larger first batch is still sent whole.
    static let maxDownConversionBytes = 16 << 20

    let broker: BrokerServices

    func handle(_ request: FetchRequest, context: RequestContext) throws -> HandlerReply<FetchResponse> {
        if request.sessionId != 0 {
            var response = FetchResponse()
            response.errorCode = ErrorCode.fetchSessionIdNotFound.rawValue
            return .now(response)
        }
        let first = read(request, version: context.apiVersion)
        if first.bytes >= Int(request.minBytes) || request.maxWaitMs <= 0 || first.keys.isEmpty {
            return .now(first.response)
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(request.maxWaitMs))
        return .later { [broker] in
            var latest = first
            while latest.bytes < Int(request.minBytes) {
                let remaining = deadline - ContinuousClock.now
                if remaining <= .zero {
                    latest = read(request, version: context.apiVersion)
                    break
                }
                // The read runs after the wait is registered, so an append since the last read
                // is either in it or wakes the wait.
                let outcome = await broker.appendSignal.wait(for: latest.keys, timeout: remaining) {
                    latest = read(request, version: context.apiVersion)
                    return latest.bytes >= Int(request.minBytes)
                }
                if outcome == .closed { break }
            }
            return latest.response
        }
    }

    /// One pass over every asked-for partition: the response, its record bytes, and the partitions
    /// worth waiting on.
    private func read(_ request: FetchRequest, version: Int16) -> (
        response: FetchResponse, bytes: Int, keys: Set<AppendSignal.PartitionKey>
    ) {
        var response = FetchResponse()
        var budget = Int(request.maxBytes)
        var total = 0
        var keys: Set<AppendSignal.PartitionKey> = []
        for topic in request.topics {
            var topicResponse = FetchResponse.FetchableTopicResponse()
            topicResponse.topic = topic.topic
            topicResponse.topicId = topic.topicId
            let name: String? = version >= 13 ? broker.topics.topicName(id: topic.topicId) : topic.topic.rawValue
            for partition in topic.partitions {
                var data = FetchResponse.PartitionData()
                data.partitionIndex = partition.partition
                data.highWatermark = -1
                data.lastStableOffset = -1
                data.logStartOffset = -1
                data.abortedTransactions = request.isolationLevel == 1 ? [] : nil
                // Empty, not null: librdkafka rejects a null record set.
                data.records = .bytes(ByteBuffer())
                guard let name else {
                    data.errorCode = ErrorCode.unknownTopicId.rawValue
                    topicResponse.partitions.append(data)
                    continue
                }
                guard let handle = broker.topics.partition(name, partition.partition) else {
                    data.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    topicResponse.partitions.append(data)
                    continue
                }
                var limit = max(0, min(Int(partition.partitionMaxBytes), budget))
                if version < 4 { limit = min(limit, Self.maxDownConversionBytes) }
                let committedOnly = request.isolationLevel == 1
                do {
                    // Clients older than Fetch v10 cannot read zstd: a topic that compresses with it
                    // refuses them, as in Kafka (batches a producer compressed with zstd are not checked).
                    if version < 10, handle.compression == .zstd {
                        throw KafkaFailure(.unsupportedCompressionType, "Fetch v\(version) cannot carry zstd")
                    }
                    let result = try handle.log.read(
                        from: partition.fetchOffset, maxBytes: limit, minOneBatch: total == 0,
                        committedOnly: committedOnly)
                    data.highWatermark = result.highWatermark
                    data.lastStableOffset = result.lastStableOffset
                    data.logStartOffset = result.logStartOffset
                    if committedOnly && result.records != nil {
                        data.abortedTransactions = handle.log.abortedTransactions(
                            from: partition.fetchOffset, to: result.lastStableOffset
                        ).map {
                            var aborted = FetchResponse.AbortedTransaction()
                            aborted.producerId = ProducerId($0.producerId)
                            aborted.firstOffset = $0.firstOffset
                            return aborted
                        }
                    }
                    if let records = result.records {
                        data.records = try downConverted(
                            records, version: version, fromOffset: partition.fetchOffset, maxBytes: limit,
                            enabled: handle.downConversionEnabled)
                    }
                    let size = result.records == nil ? 0 : data.records?.byteCount ?? 0
                    total += size
                    budget -= size
                    if size == 0 { keys.insert(.init(topic: name, partition: partition.partition)) }
                } catch {
                    let failure = KafkaFailure.from(error)
                    data.errorCode = failure.code.rawValue
                    data.highWatermark = handle.log.highWatermark
                    data.lastStableOffset = handle.log.lastStableOffset
                    data.logStartOffset = handle.log.logStartOffset
                }
                topicResponse.partitions.append(data)
            }
            response.responses.append(topicResponse)
        }
        return (response, total, keys)
    }

    /// `records` as a Fetch response of `version` can carry them: unchanged from v4, otherwise
    /// read into memory and down-converted to the old message format.
    private func downConverted(
        _ records: RecordsPayload, version: Int16, fromOffset: Int64, maxBytes: Int, enabled: Bool
    ) throws -> RecordsPayload {
        let magic = LegacyMessageConversion.maxMagic(forFetchVersion: version)
        guard magic < RecordBatchLayout.currentMagic else { return records }
        guard enabled else {
            throw KafkaFailure(.unsupportedVersion, "message.downconversion.enable is false: Fetch v\(version) refused")
        }
        let stored: ByteBuffer
        switch records {
        case .bytes(let bytes): stored = bytes
        case .file(let slice):
            guard let bytes = slice.readAll() else {
                throw KafkaFailure(.kafkaStorageError, "short read of \(slice.count) bytes for down-conversion")
            }
            stored = bytes
        }
        do {
            return .bytes(
                try LegacyMessageConversion.downConvert(
                    stored, toMagic: magic, fromOffset: fromOffset, maxBytes: maxBytes))
        } catch {
            throw KafkaFailure(.kafkaStorageError, "stored batch cannot be down-converted: \(error)")
        }
    }
}
