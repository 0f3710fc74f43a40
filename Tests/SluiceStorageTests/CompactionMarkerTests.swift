import KafkaRecords
import NIOCore
import Testing

@testable import SluiceStorage

/// The cleaner and transaction markers, after Kafka's `LogCleanerTest` (testCommitMarkerRemoval,
/// testAbortMarkerRemoval, testAbortMarkerRetentionWithEmptyBatch, testEmptyBatchRemovalWithSequenceReuse):
/// a marker goes once a pass has seen nothing of its transaction, then its delete horizon.
@Suite("Compaction and transaction markers")
struct CompactionMarkerTests {
    /// `delete.retention.ms` is 1,000; passes run at `now` (horizons then fall at `now + 1_000`).
    static let now: Int64 = 10_000
    static let horizon = now + 1_000
    /// Long after every horizon (not `.max`: a pass adds `delete.retention.ms` to its time).
    static let muchLater: Int64 = 1 << 50

    static func config() -> LogConfig { CompactionTests.compactConfig(segmentBytes: 1 << 20) }

    /// A transactional batch of `keys` (values `value`) of producer `producerId`.
    static func transactional(
        _ keys: [String], value: String, producerId: Int64 = 1, epoch: Int16 = 0, sequence: Int32
    ) -> ByteBuffer {
        var builder = RecordBatchBuilder(
            baseTimestamp: 1_000, producerId: producerId, producerEpoch: epoch, baseSequence: sequence,
            isTransactional: true)
        for key in keys {
            builder.append(key: ByteBuffer(string: key), value: ByteBuffer(string: value), timestamp: 1_000)
        }
        return builder.build()
    }

    static func append(_ log: PartitionLog, _ batch: ByteBuffer) throws {
        _ = try log.append(batch, batchCount: 1, now: 1_000)
    }

    /// Ends the active segment, so that everything so far is cleanable.
    static func roll(_ log: PartitionLog) throws {
        try log.appendLock.withLock { try log.lock.withLock { try log.roll() } }
    }

    /// Every batch header in the log, in order.
    static func headers(_ log: PartitionLog) throws -> [RecordBatchHeader] { try readRecords(log).headers }

    /// Base offsets of the batches that hold records (markers included), as Kafka's `offsetsInLog`
    /// lists record offsets: empty headers are left out.
    static func nonEmptyBatches(_ log: PartitionLog) throws -> [Int64] {
        try headers(log).filter { $0.recordCount > 0 }.map(\.baseOffset)
    }

    /// What a read_committed consumer from the log start gets: records up to the last stable
    /// offset, without control batches and without the records of the aborted transactions the
    /// log lists (each from its first offset to its producer's next marker), as clients drop them.
    static func readCommitted(_ log: PartitionLog) throws -> [StoredRecord] {
        var aborted = log.abortedTransactions(from: 0, to: log.lastStableOffset).sorted {
            $0.firstOffset < $1.firstOffset
        }
        var inAbortedTransaction: Set<Int64> = []
        var records: [StoredRecord] = []
        var next = log.logStartOffset
        while next < log.lastStableOffset {
            let read = try log.read(from: next, maxBytes: 1 << 20, minOneBatch: true, committedOnly: true)
            guard var bytes = read.records?.allBytes else { break }
            while bytes.readableBytes > 0 {
                let header = try RecordBatchHeader(parsing: bytes, at: bytes.readerIndex)
                let batch = bytes.readSlice(length: header.totalSize)!
                next = header.lastOffset + 1
                while let first = aborted.first, first.firstOffset <= header.lastOffset {
                    inAbortedTransaction.insert(first.producerId)
                    aborted.removeFirst()
                }
                if header.isControl {
                    inAbortedTransaction.remove(header.producerId)
                    continue
                }
                if header.isTransactional && inAbortedTransaction.contains(header.producerId) { continue }
                for record in try RecordBatchReader.records(in: batch) {
                    records.append(
                        StoredRecord(
                            offset: record.offset(in: header), key: record.key.map { String(buffer: $0) },
                            value: record.value.map { String(buffer: $0) }))
                }
            }
        }
        return records
    }

    /// Runs one pass and checks that a read_committed reader still sees `expected` per key and
    /// that no transaction is left open.
    static func clean(_ log: PartitionLog, at now: Int64 = now, expecting expected: [String: String?]) throws {
        _ = try log.clean(now: now, force: true)
        #expect(log.lastStableOffset == log.highWatermark)
        #expect(latestValues(try readCommitted(log)) == expected)
    }

    /// The `.txnindex` of the segment at `base`, nil when it has none.
    static func transactionIndex(_ fixture: Fixture, _ base: Int64) throws -> [AbortedTransaction]? {
        let directory = fixture.logDirectory
        guard fixture.io.fileExists(atPath: TransactionIndex.path(directory: directory, baseOffset: base)) else {
            return nil
        }
        return try TransactionIndex.load(directory: directory, baseOffset: base, notFrom: .max, io: fixture.io)
    }

    /// Reopens the log twice — after a clean close, then with every producer snapshot removed so the
    /// producer state and the aborted list are rebuilt from the log alone — and checks both see what
    /// the log saw: LSO, high watermark, aborted list, batches, what read_committed reads.
    static func expectSameAfterRestarts(_ fixture: Fixture, _ log: PartitionLog) throws -> PartitionLog {
        let before = (
            lso: log.lastStableOffset, hw: log.highWatermark, aborted: log.abortedTransactions(from: 0, to: .max),
            headers: try headers(log), committed: try readCommitted(log)
        )
        #expect(before.lso == before.hw)
        try log.close()
        var reopened = try fixture.openLog(config: config(), cleanShutdown: true)
        for pass in 0..<2 {
            #expect(reopened.lastStableOffset == before.lso, "pass \(pass)")
            #expect(reopened.highWatermark == before.hw, "pass \(pass)")
            #expect(reopened.abortedTransactions(from: 0, to: .max) == before.aborted, "pass \(pass)")
            #expect(try headers(reopened).map(\.baseOffset) == before.headers.map(\.baseOffset), "pass \(pass)")
            #expect(try readCommitted(reopened) == before.committed, "pass \(pass)")
            guard pass == 0 else { break }
            try reopened.close()
            for offset in try ProducerStateSnapshot.offsets(in: fixture.logDirectory, io: fixture.io) {
                try fixture.io.removeItem(
                    atPath: ProducerStateSnapshot.path(directory: fixture.logDirectory, offset: offset))
            }
            reopened = try fixture.openLog(config: config(), cleanShutdown: false)
        }
        return reopened
    }

    @Test(arguments: Backend.allCases)
    func commitMarkerGoesOnlyAfterAPassWithoutItsDataAndThenItsHorizon(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(config: Self.config())
        try Self.append(log, Self.transactional(["k1"], value: "a", sequence: 0))  // 0
        try Self.append(log, Self.transactional(["k2", "k3"], value: "a", sequence: 1))  // 1-2
        try Self.append(log, marker(.commit, producerId: 1))  // 3
        try Self.append(log, Self.transactional(["k2"], value: "b", sequence: 3))  // 4
        try Self.append(log, marker(.commit, producerId: 1))  // 5
        try Self.roll(log)

        // Records of the first transaction are left: its marker stays.
        try Self.clean(log, expecting: ["k1": "a", "k2": "b", "k3": "a"])
        #expect(try Self.nonEmptyBatches(log) == [0, 1, 3, 4, 5])

        try Self.append(log, Self.transactional(["k1", "k3"], value: "c", sequence: 4))  // 6-7
        try Self.append(log, marker(.commit, producerId: 1))  // 8
        try Self.roll(log)
        // This pass drops the first transaction's last records, having seen them: the marker stays.
        try Self.clean(log, expecting: ["k1": "c", "k2": "b", "k3": "c"])
        #expect(try Self.nonEmptyBatches(log) == [3, 4, 5, 6, 8])
        #expect(try Self.headers(log).allSatisfy { !$0.hasDeleteHorizon })
        #expect(try log.cleanableRange(now: .max)?.isOverdue == false)

        // Nothing of it left: the marker gets its delete horizon, and the log is due again then.
        try Self.clean(log, expecting: ["k1": "c", "k2": "b", "k3": "c"])
        #expect(try Self.nonEmptyBatches(log) == [3, 4, 5, 6, 8])
        let marked = try #require(try Self.headers(log).first { $0.baseOffset == 3 })
        #expect(marked.isControl && marked.hasDeleteHorizon && marked.baseTimestamp == Self.horizon)
        #expect(try Self.headers(log).filter(\.hasDeleteHorizon).count == 1)
        #expect(try log.cleanableRange(now: Self.horizon - 1)?.isOverdue == false)
        #expect(try log.cleanableRange(now: Self.horizon)?.isOverdue == true)

        // Before the horizon it stays; from the horizon on it is gone.
        try Self.clean(log, at: Self.horizon - 1, expecting: ["k1": "c", "k2": "b", "k3": "c"])
        #expect(try Self.nonEmptyBatches(log) == [3, 4, 5, 6, 8])
        try Self.clean(log, at: Self.horizon, expecting: ["k1": "c", "k2": "b", "k3": "c"])
        #expect(try Self.nonEmptyBatches(log) == [4, 5, 6, 8])
        // Nothing more is due: the markers left belong to records that are left.
        #expect(try log.cleanableRange(now: .max)?.isOverdue == false)
        _ = try Self.expectSameAfterRestarts(fixture, log)
    }

    @Test(arguments: Backend.allCases)
    func abortMarkerAndItsIndexEntryStayWhileItsBatchesDoThenGo(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(config: Self.config())
        try Self.append(log, Self.transactional(["k1"], value: "aborted", sequence: 0))  // 0
        try Self.append(log, Self.transactional(["k2", "k3"], value: "aborted", sequence: 1))  // 1-2
        try Self.append(log, marker(.abort, producerId: 1))  // 3
        try Self.append(log, Self.transactional(["k3"], value: "c", sequence: 3))  // 4
        try Self.append(log, marker(.commit, producerId: 1))  // 5
        try Self.roll(log)
        let entry = AbortedTransaction(producerId: 1, firstOffset: 0, lastOffset: 3, lastStableOffset: 4)
        #expect(log.abortedTransactions(from: 0, to: .max) == [entry])

        // The aborted records go, having been seen: the marker and the index entry stay.
        try Self.clean(log, expecting: ["k3": "c"])
        #expect(try Self.headers(log).map(\.baseOffset) == [3, 4, 5])
        #expect(try Self.transactionIndex(fixture, 0) == [entry])
        #expect(log.abortedTransactions(from: 0, to: .max) == [entry])

        // Nothing of the transaction is seen: the entry goes (no `.txnindex` at all), the marker
        // gets its horizon, then goes.
        try Self.clean(log, expecting: ["k3": "c"])
        #expect(try Self.transactionIndex(fixture, 0) == nil)
        #expect(log.abortedTransactions(from: 0, to: .max) == [])
        let marked = try #require(try Self.headers(log).first)
        #expect(marked.baseOffset == 3 && marked.isControl && marked.hasDeleteHorizon)
        try Self.clean(log, at: Self.horizon, expecting: ["k3": "c"])
        #expect(try Self.headers(log).map(\.baseOffset) == [4, 5])
        _ = try Self.expectSameAfterRestarts(fixture, log)
    }

    @Test(arguments: Backend.allCases)
    func abortMarkerStaysWithTheProducersLastBatchKeptAsAnEmptyHeader(backend: Backend) throws {
        let fixture = Fixture(backend)
        var log = try fixture.openLog(config: Self.config())
        try Self.append(log, Self.transactional(["k2", "k3"], value: "aborted", sequence: 0))  // 0-1
        try Self.append(log, marker(.abort, producerId: 1))  // 2
        try Self.roll(log)
        let entry = AbortedTransaction(producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3)

        // The records go, the header stays (it holds the producer's last sequence), and so, having
        // a batch of its transaction left, do the marker and the index entry — pass after pass.
        for now in [Self.now, Self.horizon, Self.muchLater] {
            try Self.clean(log, at: now, expecting: [:])
            let headers = try Self.headers(log)
            #expect(headers.map(\.baseOffset) == [0, 2])
            #expect(headers[0].recordCount == 0 && headers[0].isTransactional && headers[0].lastOffset == 1)
            #expect(!headers[1].hasDeleteHorizon)
            #expect(try Self.transactionIndex(fixture, 0) == [entry])
        }
        log = try Self.expectSameAfterRestarts(fixture, log)

        // A newer batch of the producer frees the header; the marker follows two passes later.
        try Self.append(log, Self.transactional(["k1"], value: "c", sequence: 2))  // 3
        try Self.append(log, marker(.commit, producerId: 1))  // 4
        try Self.roll(log)
        try Self.clean(log, expecting: ["k1": "c"])
        #expect(try Self.headers(log).map(\.baseOffset) == [2, 3, 4])
        #expect(try Self.transactionIndex(fixture, 0) == [entry])
        try Self.clean(log, expecting: ["k1": "c"])
        #expect(try Self.transactionIndex(fixture, 0) == nil)
        try Self.clean(log, at: Self.horizon, expecting: ["k1": "c"])
        #expect(try Self.headers(log).map(\.baseOffset) == [3, 4])
        _ = try Self.expectSameAfterRestarts(fixture, log)
    }

    @Test(arguments: Backend.allCases)
    func theProducersLastCommittedBatchKeepsItsMarkerSoRecoveryFindsNoOpenTransaction(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(config: Self.config())
        try Self.append(log, Self.transactional(["k1"], value: "a", sequence: 0))  // 0
        try Self.append(log, marker(.commit, producerId: 1))  // 1
        try Self.append(log, Self.transactional(["k2"], value: "a", producerId: 2, sequence: 0))  // 2
        try Self.append(log, marker(.commit, producerId: 2))  // 3
        try Self.append(log, keyedBatch([("k1", "b"), ("k2", "b")]))  // 4-5
        try Self.roll(log)

        // Both transactions' records are superseded; their batches are their producers' last, so
        // empty headers stay, and the markers with them (a header without its marker would replay
        // as a transaction never ended).
        for now in [Self.now, Self.now, Self.horizon, Self.muchLater] {
            try Self.clean(log, at: now, expecting: ["k1": "b", "k2": "b"])
            let headers = try Self.headers(log)
            #expect(headers.map(\.baseOffset) == [0, 1, 2, 3, 4])
            #expect(headers.map(\.recordCount) == [0, 1, 0, 1, 2])
        }
        _ = try Self.expectSameAfterRestarts(fixture, log)
    }

    @Test(arguments: Backend.allCases)
    func aFencingMarkerIsKeptAsAnEmptyControlBatchForItsEpoch(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(config: Self.config())
        try Self.append(log, Self.transactional(["k1"], value: "aborted", sequence: 0))  // 0
        // A new instance fenced the producer: the abort carries the bumped epoch.
        try Self.append(log, marker(.abort, producerId: 1, epoch: 1))  // 1
        try Self.append(log, keyedBatch([("k2", "plain")]))  // 2
        try Self.roll(log)

        try Self.clean(log, expecting: ["k2": "plain"])  // the aborted batch goes, seen
        #expect(try Self.headers(log).map(\.baseOffset) == [1, 2])
        try Self.clean(log, expecting: ["k2": "plain"])  // nothing seen: the horizon is set
        #expect(try Self.headers(log).first?.hasDeleteHorizon == true)
        // Past the horizon the marker's record goes, but its header stays: it is the producer's
        // last word, epoch 1.
        for now in [Self.horizon, Self.muchLater] {
            try Self.clean(log, at: now, expecting: ["k2": "plain"])
            let kept = try #require(try Self.headers(log).first)
            #expect(kept.baseOffset == 1 && kept.isControl && kept.recordCount == 0)
            #expect(kept.producerEpoch == 1 && !kept.hasDeleteHorizon)
        }
        #expect(try log.cleanableRange(now: .max)?.isOverdue == false)
        let reopened = try Self.expectSameAfterRestarts(fixture, log)
        // Rebuilt from the log alone, the producer is still at epoch 1 with nothing open.
        #expect(reopened.producerState.entries[1]?.epoch == 1)
        #expect(reopened.producerState.entries[1]?.currentTxnFirstOffset == nil)
    }

    /// Transactional offset commits (as the group coordinator writes them: no sequence numbers)
    /// leave their producer without batches, like a fence: only its latest marker stays as its
    /// last word, the others go.
    @Test(arguments: Backend.allCases)
    func ofAnUnsequencedProducersMarkersOnlyTheLatestStays(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog(config: Self.config())
        for (index, value) in ["a", "b", "c"].enumerated() {
            var builder = RecordBatchBuilder(
                baseTimestamp: 1_000, producerId: 5, producerEpoch: 0, isTransactional: true)
            builder.append(key: ByteBuffer(string: "g1"), value: ByteBuffer(string: value), timestamp: 1_000)
            try Self.append(log, builder.build())  // 0, 2, 4
            let timestamp = 2_000 + Int64(index) * 1_000
            try Self.append(
                log, ControlRecordType.commit.markerBatch(producerId: 5, producerEpoch: 0, timestamp: timestamp))
        }
        try Self.append(log, keyedBatch([("g1", "d")]))  // 6
        try Self.roll(log)
        #expect(log.producerState.entries[5]?.batches.isEmpty == true)

        for now in [Self.now, Self.now, Self.horizon, Self.muchLater] {
            try Self.clean(log, at: now, expecting: ["g1": "d"])
        }
        let headers = try Self.headers(log)
        #expect(headers.map(\.baseOffset) == [5, 6])
        #expect(headers[0].isControl && headers[0].recordCount == 0 && headers[0].maxTimestamp == 4_000)
        _ = try Self.expectSameAfterRestarts(fixture, log)
    }
}
