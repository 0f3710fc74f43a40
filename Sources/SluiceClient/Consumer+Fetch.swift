import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The consumer's background fetching (a `WakeUpLoop` round): resolves start positions, keeps one
/// Fetch in flight per leader for partitions whose buffer has room (prefetch), and files answers
/// into the buffers.
extension Consumer {
    func fetchRound() async {
        await resolvePositions()
        let prefetch = config.prefetchRecords
        let work = state.withLockedValue { state -> [TopicPartition: Int64] in
            var work: [TopicPartition: Int64] = [:]
            for (partition, progress) in state.partitions
            where !progress.paused && !progress.fetching && progress.bufferedCount < prefetch {
                guard let offset = progress.fetchOffset else { continue }
                work[partition] = offset
                state.partitions[partition]!.fetching = true
            }
            return work
        }
        guard !work.isEmpty else { return }
        var byLeader: [Int32: [TopicPartition: Int64]] = [:]
        for (partition, offset) in work {
            do {
                byLeader[try await cluster.leader(for: partition), default: [:]][partition] = offset
            } catch {
                finishFetch(Array(arrayLiteral: partition), backoff: true)
            }
        }
        for (node, partitions) in byLeader {
            Task { await self.fetch(partitions, from: node) }
        }
    }

    /// Partitions without a position start at the group's committed offset, else per `autoOffsetReset`.
    private func resolvePositions() async {
        let unresolved = state.withLockedValue { state in
            state.partitions.filter { $0.value.fetchOffset == nil }.map(\.key)
        }
        guard !unresolved.isEmpty else { return }
        var found: [TopicPartition: Int64] = [:]
        if let group = config.groupId {
            found = (try? await cluster.committedOffsets(group: group, partitions: unresolved)) ?? [:]
        }
        let missing = unresolved.filter { found[$0] == nil }
        if !missing.isEmpty {
            switch config.autoOffsetReset {
            case .earliest, .latest:
                let spec: OffsetSpec = config.autoOffsetReset == .earliest ? .earliest : .latest
                if let offsets = try? await cluster.listOffsets(missing, spec: spec, isolation: config.isolationLevel) {
                    for (partition, offset) in offsets { found[partition] = offset.offset }
                }
            case .none:
                // As the Java client's NoOffsetForPartitionException: the next poll throws.
                logger.warning(
                    "no committed offset and auto offset reset is none", metadata: ["partitions": "\(missing)"])
                state.withLockedValue { state in
                    state.pendingError = .broker(.offsetOutOfRange, context: "no offset for \(missing.sorted())")
                }
                notifyPollers()
                return
            }
        }
        state.withLockedValue { state in
            // A partition revoked while its offset was looked up is gone; one sought meanwhile keeps the seek.
            for (partition, offset) in found {
                guard var progress = state.partitions[partition], progress.fetchOffset == nil else { continue }
                progress.seek(to: offset)
                state.partitions[partition] = progress
            }
        }
        if found.count < unresolved.count {
            // Try again shortly (the broker may not have the topic yet).
            MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .milliseconds(200)) { [fetchWake] in
                fetchWake.yield()
            }
        }
    }

    private func fetch(_ partitions: [TopicPartition: Int64], from node: Int32) async {
        var request = FetchRequest()
        request.replicaId = BrokerId(-1)
        request.maxWaitMs = Int32(clamping: config.fetchMaxWait.milliseconds)
        request.minBytes = config.fetchMinBytes
        request.maxBytes = config.fetchMaxBytes
        request.isolationLevel = config.isolationLevel.rawValue
        request.sessionId = 0
        request.sessionEpoch = -1
        request.topics = Dictionary(grouping: partitions.keys, by: \.topic).map { topic, entries in
            var fetchTopic = FetchRequest.FetchTopic()
            fetchTopic.topic = TopicName(topic)
            fetchTopic.partitions = entries.sorted().map {
                var partition = FetchRequest.FetchPartition()
                partition.partition = $0.partition
                partition.fetchOffset = partitions[$0]!
                partition.partitionMaxBytes = config.maxPartitionFetchBytes
                return partition
            }
            return fetchTopic
        }
        let answer: FetchResponse
        do {
            let connection = try await cluster.connection(toNode: node)
            answer = try await connection.send(
                request, timeout: (config.fetchMaxWait + config.client.requestTimeout).timeAmount)
        } catch {
            logger.debug("fetch failed", metadata: ["node": "\(node)", "error": "\(error)"])
            for partition in partitions.keys { await cluster.invalidate(topic: partition.topic) }
            finishFetch(Array(partitions.keys), backoff: true)
            return
        }
        var retry = false
        for topic in answer.responses {
            for data in topic.partitions {
                let partition = TopicPartition(topic.topic.rawValue, data.partitionIndex)
                guard let fetchOffset = partitions[partition] else { continue }
                retry = file(data, for: partition, fetchedFrom: fetchOffset) || retry
            }
        }
        finishFetch(Array(partitions.keys), backoff: retry)
        notifyPollers()
    }

    /// Files one partition's answer; returns whether it asks for a pause before the next fetch.
    private func file(
        _ data: FetchResponse.PartitionData, for partition: TopicPartition, fetchedFrom fetchOffset: Int64
    )
        -> Bool
    {
        let code = ErrorCode(data.errorCode)
        switch code {
        case .none:
            break
        case .offsetOutOfRange:
            logger.info("offset out of range, resetting", metadata: ["partition": "\(partition)"])
            state.withLockedValue { state in
                if state.partitions[partition]?.fetchOffset == fetchOffset {
                    state.partitions[partition]!.fetchOffset = nil
                    state.partitions[partition]!.position = nil
                }
            }
            return false
        default:
            logger.debug("fetch error", metadata: ["partition": "\(partition)", "error": "\(code)"])
            Task { await cluster.invalidate(topic: partition.topic) }
            return true
        }
        guard case .bytes(let bytes)? = data.records, bytes.readableBytes > 0 else { return false }
        let decoded: FetchedRecordsDecoder.Decoded
        do {
            decoded = try FetchedRecordsDecoder.decode(
                bytes, partition: partition, fetchOffset: fetchOffset,
                abortedTransactions: config.isolationLevel == .readCommitted
                    ? (data.abortedTransactions ?? []).map { ($0.producerId.rawValue, $0.firstOffset) } : nil)
        } catch {
            logger.warning("corrupt fetched records", metadata: ["partition": "\(partition)", "error": "\(error)"])
            return true
        }
        state.withLockedValue { state in
            // A seek or reassignment while the fetch was out makes its records stale.
            guard var progress = state.partitions[partition], progress.fetchOffset == fetchOffset else { return }
            progress.buffered.append(contentsOf: decoded.records)
            if let next = decoded.nextOffset { progress.fetchOffset = next }
            progress.highWatermark = data.highWatermark
            state.partitions[partition] = progress
        }
        return false
    }

    private func finishFetch(_ partitions: [TopicPartition], backoff: Bool) {
        state.withLockedValue { state in
            for partition in partitions { state.partitions[partition]?.fetching = false }
        }
        if backoff {
            MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: config.client.retryBackoff.timeAmount) {
                [fetchWake] in fetchWake.yield()
            }
        } else {
            fetchWake.yield()
        }
    }
}
