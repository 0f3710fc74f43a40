import KafkaProtocol
import Testing

@testable import SluiceCoordinator

/// Hands out producer ids 1000, 1001, … like the broker's allocator.
private final class Allocator {
    var next: Int64 = 1000
    func allocate() -> Int64 {
        defer { next += 1 }
        return next
    }
}

private let topicA = TopicPartition("a", 0)
private let topicB = TopicPartition("b", 1)

/// A coordinator with transactional id "t" at producer 1000 epoch 0, and its allocator.
private func started() -> (TransactionCoordinator, Allocator) {
    var coordinator = TransactionCoordinator()
    let allocator = Allocator()
    let outcome = coordinator.initProducerId(
        transactionalId: "t", timeoutMs: 60_000, expected: nil, now: 1, allocate: allocator.allocate)
    #expect(outcome.error == .none)
    return (coordinator, allocator)
}

@Suite struct TransactionCoordinatorTests {
    @Test func newTransactionalIdGetsAFreshProducerIdInEmpty() {
        let (coordinator, _) = started()
        let metadata = coordinator.transactions["t"]
        #expect(metadata?.producerId == 1000)
        #expect(metadata?.producerEpoch == 0)
        #expect(metadata?.state == .empty)
    }

    @Test func initAgainBumpsTheEpoch() {
        var (coordinator, allocator) = started()
        let outcome = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 60_000, expected: nil, now: 2, allocate: allocator.allocate)
        #expect(outcome.producerId == 1000)
        #expect(outcome.producerEpoch == 1)
        #expect(outcome.records.count == 1)
    }

    @Test func exhaustedEpochGetsANewProducerId() {
        var (coordinator, allocator) = started()
        var metadata = coordinator.transactions["t"]!
        metadata.producerEpoch = Int16.max - 1
        coordinator.replay(.metadata(metadata))
        let outcome = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 60_000, expected: nil, now: 2, allocate: allocator.allocate)
        #expect(outcome.producerId == 1001)
        #expect(outcome.producerEpoch == 0)
    }

    @Test func timeoutAboveTheMaximumIsRejected() {
        var coordinator = TransactionCoordinator(maxTimeoutMs: 1000)
        let outcome = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 1001, expected: nil, now: 1, allocate: { 1 })
        #expect(outcome.error == .invalidTransactionTimeout)
        #expect(coordinator.transactions.isEmpty)
    }

    @Test func addPartitionsOpensATransaction() {
        var (coordinator, _) = started()
        let outcome = coordinator.addPartitions(
            transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicA], now: 5)
        #expect(outcome.error == .none)
        #expect(coordinator.transactions["t"]?.state == .ongoing)
        #expect(coordinator.transactions["t"]?.startTimestamp == 5)
        // Adding a partition already in it writes nothing.
        let again = coordinator.addPartitions(
            transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicA], now: 6)
        #expect(again.error == .none && again.records.isEmpty)
        _ = coordinator.addPartitions(transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicB], now: 7)
        #expect(coordinator.transactions["t"]?.partitions == [topicA, topicB])
        #expect(coordinator.transactions["t"]?.startTimestamp == 5)
    }

    @Test func addPartitionsChecksIdAndEpoch() {
        var (coordinator, _) = started()
        #expect(
            coordinator.addPartitions(transactionalId: "x", producerId: 1000, epoch: 0, partitions: [topicA], now: 1)
                .error == .invalidProducerIdMapping)
        #expect(
            coordinator.addPartitions(transactionalId: "t", producerId: 7, epoch: 0, partitions: [topicA], now: 1)
                .error == .invalidProducerIdMapping)
        #expect(
            coordinator.addPartitions(transactionalId: "t", producerId: 1000, epoch: 3, partitions: [topicA], now: 1)
                .error == .producerFenced)
    }

    @Test func commitPreparesWritesMarkersThenCompletes() {
        var (coordinator, _) = started()
        _ = coordinator.addPartitions(
            transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicA, topicB], now: 5)
        let end = coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: true, now: 6)
        #expect(end.error == .none)
        #expect(coordinator.transactions["t"]?.state == .prepareCommit)
        #expect(
            end.markers
                == TransactionMarkers(
                    transactionalId: "t", producerId: 1000, producerEpoch: 0, commit: true,
                    partitions: [topicA, topicB]))
        // While markers are written a retry must wait; the opposite decision is invalid.
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: true, now: 7).error
                == .concurrentTransactions)
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: false, now: 7).error
                == .invalidTxnState)
        #expect(coordinator.unfinished.count == 1)
        let complete = coordinator.complete(transactionalId: "t", now: 8)
        #expect(complete.records.count == 1)
        #expect(coordinator.transactions["t"]?.state == .completeCommit)
        #expect(coordinator.transactions["t"]?.partitions.isEmpty == true)
        #expect(coordinator.unfinished.isEmpty)
        // A retried commit succeeds; an abort of a committed transaction does not.
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: true, now: 9).error
                == .none)
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: false, now: 9).error
                == .invalidTxnState)
    }

    @Test func abortGoesThroughPrepareAbortToCompleteAbort() {
        var (coordinator, _) = started()
        _ = coordinator.addPartitions(transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicA], now: 5)
        let end = coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: false, now: 6)
        #expect(end.markers?.commit == false)
        #expect(coordinator.transactions["t"]?.state == .prepareAbort)
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: false, now: 7).error
                == .concurrentTransactions)
        _ = coordinator.complete(transactionalId: "t", now: 8)
        #expect(coordinator.transactions["t"]?.state == .completeAbort)
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: true, now: 9).error
                == .invalidTxnState)
        // A new transaction starts from CompleteAbort.
        _ = coordinator.addPartitions(transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicB], now: 10)
        #expect(coordinator.transactions["t"]?.partitions == [topicB])
    }

    @Test func endTxnWithoutATransactionOrWithWrongIdentity() {
        var (coordinator, _) = started()
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: true, now: 2).error
                == .invalidTxnState)
        #expect(
            coordinator.endTransaction(transactionalId: "nope", producerId: 1000, epoch: 0, commit: true, now: 2).error
                == .invalidProducerIdMapping)
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 1, commit: true, now: 2).error
                == .producerFenced)
    }

    @Test func aSecondInstanceFencesAndAbortsTheOpenTransaction() {
        var (coordinator, allocator) = started()
        _ = coordinator.addPartitions(transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicA], now: 5)
        let fence = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 60_000, expected: nil, now: 6, allocate: allocator.allocate)
        #expect(fence.error == .concurrentTransactions)
        #expect(fence.markers?.commit == false)
        #expect(fence.markers?.producerEpoch == 1)
        #expect(coordinator.transactions["t"]?.state == .prepareAbort)
        _ = coordinator.complete(transactionalId: "t", now: 7)
        let retry = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 60_000, expected: nil, now: 8, allocate: allocator.allocate)
        #expect(retry.error == .none)
        #expect(retry.producerEpoch == 2)
        // The old instance is fenced.
        #expect(
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: true, now: 9).error
                == .producerFenced)
    }

    @Test func initWithExpectedEpochRecoversOrIsFenced() {
        var (coordinator, allocator) = started()
        let bumped = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 60_000, expected: (1000, 0), now: 2, allocate: allocator.allocate)
        #expect(bumped.producerEpoch == 1)
        // A retry of that request (the client never saw the answer) gets the same epoch.
        let retried = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 60_000, expected: (1000, 0), now: 3, allocate: allocator.allocate)
        #expect(retried.producerEpoch == 1 && retried.records.isEmpty)
        let stale = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 60_000, expected: (999, 4), now: 4, allocate: allocator.allocate)
        #expect(stale.error == .producerFenced)
    }

    @Test func timedOutTransactionsAreAbortedUnderABumpedEpoch() {
        var (coordinator, allocator) = started()
        _ = coordinator.addPartitions(transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicA], now: 100)
        #expect(coordinator.abortTimedOut(now: 60_100, allocate: allocator.allocate).isEmpty)
        let aborted = coordinator.abortTimedOut(now: 60_101, allocate: allocator.allocate)
        #expect(aborted.count == 1)
        #expect(aborted.first?.markers?.producerEpoch == 1)
        #expect(coordinator.transactions["t"]?.state == .prepareAbort)
        _ = coordinator.complete(transactionalId: "t", now: 60_102)
        #expect(
            coordinator.addPartitions(transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicA], now: 1)
                .error == .producerFenced)
    }

    @Test func replayingTheRecordsRebuildsTheSameState() {
        var (coordinator, allocator) = started()
        var records = coordinator.transactions.values.map { TransactionRecord.metadata($0) }
        records +=
            coordinator.addPartitions(
                transactionalId: "t", producerId: 1000, epoch: 0, partitions: [topicA, topicB], now: 5
            ).records
        records +=
            coordinator.initProducerId(
                transactionalId: "u", timeoutMs: 10_000, expected: nil, now: 6, allocate: allocator.allocate
            ).records
        records +=
            coordinator.endTransaction(transactionalId: "t", producerId: 1000, epoch: 0, commit: true, now: 7)
            .records
        var replayed = TransactionCoordinator()
        for record in records {
            let (key, value) = record.encoded()
            replayed.replay(try! TransactionRecord.decode(key: key, value: value))
        }
        #expect(replayed.transactions == coordinator.transactions)
        #expect(replayed.unfinished.map(\.partitions) == [[topicA, topicB]])
        replayed.replay(.tombstone(transactionalId: "u"))
        #expect(replayed.transactions["u"] == nil)
    }

    @Test func idleTransactionalIdsExpireButOpenTransactionsDoNot() {
        var (coordinator, allocator) = started()
        _ = coordinator.initProducerId(
            transactionalId: "u", timeoutMs: 60_000, expected: nil, now: 1, allocate: allocator.allocate)
        _ = coordinator.addPartitions(transactionalId: "u", producerId: 1001, epoch: 0, partitions: [topicA], now: 1)
        #expect(coordinator.expireIdle(now: 1_000, expirationMs: 1_000).isEmpty)
        #expect(coordinator.expireIdle(now: 1_001, expirationMs: 1_000) == [.tombstone(transactionalId: "t")])
        #expect(coordinator.transactions["t"] == nil)
        #expect(coordinator.transactions["u"]?.state == .ongoing)
        // A new producer with the expired id starts over with a fresh producer id.
        let again = coordinator.initProducerId(
            transactionalId: "t", timeoutMs: 60_000, expected: nil, now: 1_002, allocate: allocator.allocate)
        #expect(again.producerId == 1002 && again.producerEpoch == 0)
    }

    @Test func recordsUseKafkasTransactionLogLayout() throws {
        var metadata = TransactionMetadata(
            transactionalId: "ab", producerId: 0x0102, producerEpoch: 3, timeoutMs: 60_000, state: .ongoing, now: 7)
        metadata.partitions = [TopicPartition("t", 1), TopicPartition("t", 0)]
        metadata.startTimestamp = 5
        let (key, value) = TransactionRecord.metadata(metadata).encoded()
        // TransactionLogKey v0: version, transactional id.
        #expect(Array(key.readableBytesView) == [0, 0, 0, 2, 0x61, 0x62])
        // TransactionLogValue v0: version, producer id, epoch, timeout, status, partitions, last update, start.
        let expected: [UInt8] =
            [0, 0] + [0, 0, 0, 0, 0, 0, 1, 2] + [0, 3] + [0, 0, 0xEA, 0x60] + [1]
            + [0, 0, 0, 1] + [0, 1, 0x74] + [0, 0, 0, 2] + [0, 0, 0, 0] + [0, 0, 0, 1]
            + [0, 0, 0, 0, 0, 0, 0, 7] + [0, 0, 0, 0, 0, 0, 0, 5]
        #expect(value.map { Array($0.readableBytesView) } == expected)
        #expect(try TransactionRecord.decode(key: key, value: value) == .metadata(metadata))
        let tombstone = TransactionRecord.tombstone(transactionalId: "ab").encoded()
        #expect(tombstone.value == nil)
        #expect(try TransactionRecord.decode(key: tombstone.key, value: nil) == .tombstone(transactionalId: "ab"))
    }

    @Test func statesHaveKafkasNamesAndIds() {
        #expect(TransactionState(name: "prepareabort") == .prepareAbort)
        #expect(TransactionState.completeCommit.rawValue == 4)
        #expect(TransactionState.allCases.map(\.name).contains("PrepareEpochFence"))
    }
}
