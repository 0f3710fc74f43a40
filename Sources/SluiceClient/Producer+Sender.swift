import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// The producer's background sending (a `WakeUpLoop` round): each wake-up drains ready batches and
/// sends them, one Produce request per leader broker.
extension Producer {
    /// Takes every batch that may go now and sends them grouped by leader.
    func drainAndSend() async {
        let now = Self.wallClockNanos()
        let (batches, nextDeadline) = state.withLockedValue { state in
            (state.accumulator.drain(now: now), state.accumulator.nextLingerDeadline)
        }
        if let nextDeadline { scheduleWake(at: nextDeadline) }
        guard !batches.isEmpty else { return }
        var byLeader: [Int32: [ProducerBatch]] = [:]
        for batch in batches {
            do {
                byLeader[try await cluster.leader(for: batch.partition), default: []].append(batch)
            } catch {
                failedAttempt(batch, error: Self.clientError(error))
            }
        }
        // A request carries at most one batch per partition, so a partition with several ready
        // batches spreads them over consecutive requests. They are all written here, in order,
        // before any answer is awaited: sequence numbers reach the broker in order.
        for (node, group) in byLeader {
            let connection: BrokerConnection
            let version: Int16
            do {
                connection = try await cluster.connection(toNode: node)
                version = try connection.version(for: ProduceRequest.self)
            } catch {
                for batch in group { failedAttempt(batch, error: Self.clientError(error)) }
                continue
            }
            for round in Self.rounds(group) {
                let request = produceRequest(round)
                batchesSent.increment(by: round.count)
                if config.acks == .none {
                    Task {
                        do {
                            try await connection.sendWithoutAnswer(request, version: version)
                            for batch in round { self.succeeded(batch, baseOffset: -1, logAppendTime: -1) }
                        } catch {
                            for batch in round { self.failedAttempt(batch, error: Self.clientError(error)) }
                        }
                    }
                    continue
                }
                let pending = connection.dispatch(
                    request, version: version, timeout: config.client.requestTimeout.timeAmount + .seconds(5))
                Task { await self.handle(pending, for: round, node: node) }
            }
        }
    }

    /// Splits batches so each group has at most one batch per partition, keeping their order.
    static func rounds(_ batches: [ProducerBatch]) -> [[ProducerBatch]] {
        var rounds: [[ProducerBatch]] = []
        var seen: [TopicPartition: Int] = [:]
        for batch in batches {
            let index = seen[batch.partition, default: 0]
            seen[batch.partition] = index + 1
            if index == rounds.count { rounds.append([]) }
            rounds[index].append(batch)
        }
        return rounds
    }

    private func produceRequest(_ batches: [ProducerBatch]) -> ProduceRequest {
        var request = ProduceRequest()
        request.acks = config.acks.rawValue
        request.timeoutMs = Int32(clamping: config.client.requestTimeout.milliseconds)
        var topics: [String: [ProduceRequest.PartitionProduceData]] = [:]
        for batch in batches {
            var data = ProduceRequest.PartitionProduceData()
            data.index = batch.partition.partition
            data.records = batch.encoded.map { .bytes($0) }
            topics[batch.partition.topic, default: []].append(data)
        }
        request.topicData = topics.map { name, partitions in
            var topic = ProduceRequest.TopicProduceData()
            topic.name = TopicName(name)
            topic.partitionData = partitions
            return topic
        }
        return request
    }

    private func handle(_ pending: PendingAnswer<ProduceRequest>, for batches: [ProducerBatch], node: Int32) async {
        do {
            let answer = try await pending.answer()
            var results: [TopicPartition: ProduceResponse.PartitionProduceResponse] = [:]
            for topic in answer.responses {
                for partition in topic.partitionResponses {
                    results[TopicPartition(topic.name.rawValue, partition.index)] = partition
                }
            }
            for batch in batches {
                guard let result = results[batch.partition] else {
                    failedAttempt(batch, error: .malformedResponse("no answer for \(batch.partition)"))
                    continue
                }
                let code = ErrorCode(result.errorCode)
                if code == .none || code == .duplicateSequenceNumber {
                    succeeded(batch, baseOffset: result.baseOffset, logAppendTime: result.logAppendTimeMs)
                } else {
                    failedAttempt(batch, error: .broker(code, context: "produce to \(batch.partition)"))
                }
            }
        } catch {
            let failure = Self.clientError(error)
            logger.debug("produce request failed", metadata: ["node": "\(node)", "error": "\(failure)"])
            for batch in batches { failedAttempt(batch, error: failure) }
        }
    }

    private func succeeded(_ batch: ProducerBatch, baseOffset: Int64, logAppendTime: Int64) {
        for (index, delivery) in batch.deliveries.enumerated() {
            delivery.callback?(
                .success(
                    RecordMetadata(
                        topic: batch.partition.topic, partition: batch.partition.partition,
                        offset: baseOffset < 0 ? -1 : baseOffset + Int64(index),
                        timestamp: logAppendTime >= 0 ? logAppendTime : delivery.timestamp)))
        }
        recordsSent.increment(by: batch.recordCount)
        finish(batch, requeue: false)
    }

    /// A failed attempt: retried (after a metadata refresh where leadership may have moved) while
    /// the error is retriable and the delivery timeout allows; otherwise every record fails.
    private func failedAttempt(_ batch: ProducerBatch, error: KafkaClientError) {
        let now = Self.wallClockNanos()
        let age = Duration.nanoseconds(Int64(now &- batch.createdAt))
        let outOfOrderWhileRetrying =
            error.errorCode == .outOfOrderSequenceNumber
            && state.withLockedValue { $0.accumulator.isRetrying(batch.partition) }
        if config.idempotent, let code = error.errorCode, Self.producerStateLost.contains(code),
            !outOfOrderWhileRetrying, age < config.deliveryTimeout
        {
            logger.info(
                "broker has no sequence state for this producer, starting over",
                metadata: ["partition": "\(batch.partition)", "error": "\(error)"])
            state.withLockedValue { $0.accumulator.resetPending = true }
            finish(batch, requeue: true)
            return
        }
        if (error.isRetriable || outOfOrderWhileRetrying) && age < config.deliveryTimeout {
            retriesCounter.increment()
            switch error.errorCode {
            case .notLeaderOrFollower?, .unknownTopicOrPartition?, .leaderNotAvailable?, nil:
                Task { await cluster.invalidate(topic: batch.partition.topic) }
            default: break
            }
            logger.debug(
                "retrying batch", metadata: ["partition": "\(batch.partition)", "error": "\(error)"])
            finish(batch, requeue: true)
            let backoff = config.client.retryBackoff * min(1 << min(batch.attempts - 1, 10), 64)
            let delay = min(backoff, config.client.retryBackoffMax)
            scheduleWake(at: now &+ UInt64(delay.milliseconds) * 1_000_000)
            return
        }
        logger.warning("batch failed", metadata: ["partition": "\(batch.partition)", "error": "\(error)"])
        for delivery in batch.deliveries { delivery.callback?(.failure(error)) }
        finish(batch, requeue: false)
    }

    private func finish(_ batch: ProducerBatch, requeue: Bool) {
        let (memoryWaiters, flushWaiters) = state.withLockedValue { state in
            if requeue {
                state.accumulator.requeue(batch)
                return ([CheckedContinuation<Void, Never>](), [CheckedContinuation<Void, Never>]())
            }
            state.accumulator.finished(batch)
            let memory = state.release(batch.bytes)
            var flushed: [CheckedContinuation<Void, Never>] = []
            if state.accumulator.isEmpty {
                state.accumulator.flushing = false
                flushed = state.flushWaiters
                state.flushWaiters = []
            }
            return (memory, flushed)
        }
        for waiter in memoryWaiters { waiter.resume() }
        for waiter in flushWaiters { waiter.resume() }
        if !requeue { wakeSender() }
        startProducerIdResetIfQuiet()
    }

    /// Answers meaning the broker has no usable sequence state for this producer id.
    static let producerStateLost: Set<ErrorCode> = [
        .outOfOrderSequenceNumber, .unknownProducerId, .invalidProducerEpoch,
    ]

    static func clientError(_ error: any Error) -> KafkaClientError {
        (error as? KafkaClientError) ?? .connectionClosed("\(error)")
    }
}
