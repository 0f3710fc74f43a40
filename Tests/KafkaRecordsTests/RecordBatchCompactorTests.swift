import KafkaRecords
import NIOCore
import Testing

@Suite("RecordBatchCompactor")
struct RecordBatchCompactorTests {
    /// Keys k0, k1, k2 (k1 a tombstone) at timestamps 5000, 5010, 5020, producer 4 epoch 1 sequence 9.
    static func batch(compression: CompressionCodec = .none) -> ByteBuffer {
        var builder = RecordBatchBuilder(
            baseOffset: 100, baseTimestamp: 5_000, producerId: 4, producerEpoch: 1, baseSequence: 9,
            partitionLeaderEpoch: 3, compression: compression)
        builder.append(key: buffer("k0"), value: buffer("v0"), timestamp: 5_000)
        builder.append(key: buffer("k1"), value: nil, timestamp: 5_010)
        builder.append(key: buffer("k2"), value: buffer("v2"), timestamp: 5_020)
        return builder.build()
    }

    static func key(_ candidate: CompactionCandidate) -> String {
        String(decoding: candidate.key!, as: UTF8.self)
    }

    @Test func keepingEverythingWithoutTombstonesLeavesTheBatchAlone() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 1)
        builder.append(key: buffer("a"), value: buffer("1"), timestamp: 1)
        let outcome = try RecordBatchCompactor.compact(builder.build(), newDeleteHorizonMs: 99, keepEmptyHeader: false)
        {
            _ in true
        }
        guard case .unchanged = outcome else { Issue.record("expected unchanged, got \(outcome)"); return }
    }

    @Test(arguments: [CompressionCodec.none, .zstd, .gzip])
    func droppingRecordsKeepsHeaderIdentityCodecAndTimestamps(compression: CompressionCodec) throws {
        let outcome = try RecordBatchCompactor.compact(
            Self.batch(compression: compression), newDeleteHorizonMs: nil, keepEmptyHeader: false
        ) { Self.key($0) != "k0" }
        guard case .rewritten(let rewritten) = outcome else { Issue.record("got \(outcome)"); return }
        let header = try RecordBatchValidator.validateStoredBatch(in: rewritten, at: 0)  // CRC and framing
        #expect(header.baseOffset == 100 && header.lastOffset == 102 && header.recordCount == 2)
        #expect(header.producerId == 4 && header.producerEpoch == 1 && header.baseSequence == 9)
        #expect(header.partitionLeaderEpoch == 3 && header.compression == compression)
        #expect(!header.hasDeleteHorizon)
        let records = try RecordBatchReader.records(in: rewritten)
        #expect(records.map { $0.offset(in: header) } == [101, 102])
        #expect(records.map { $0.timestamp(in: header) } == [5_010, 5_020])
        #expect(header.maxTimestamp == 5_020)
    }

    @Test func aKeptTombstoneSetsTheDeleteHorizonAndTimestampsStay() throws {
        let outcome = try RecordBatchCompactor.compact(Self.batch(), newDeleteHorizonMs: 90_000, keepEmptyHeader: false)
        {
            _ in true
        }
        guard case .rewritten(let rewritten) = outcome else { Issue.record("got \(outcome)"); return }
        let header = try RecordBatchValidator.validateStoredBatch(in: rewritten, at: 0)
        #expect(header.hasDeleteHorizon && header.baseTimestamp == 90_000)
        let records = try RecordBatchReader.records(in: rewritten)
        #expect(records.map { $0.timestamp(in: header) } == [5_000, 5_010, 5_020])
        #expect(records[1].value == nil)
        // A batch that has its horizon already keeps it.
        let again = try RecordBatchCompactor.compact(rewritten, newDeleteHorizonMs: 200_000, keepEmptyHeader: false) {
            _ in true
        }
        guard case .unchanged = again else { Issue.record("expected unchanged, got \(again)"); return }
    }

    @Test func anEmptiedBatchIsRemovedOrKeptAsAHeader() throws {
        let removed = try RecordBatchCompactor.compact(Self.batch(), newDeleteHorizonMs: nil, keepEmptyHeader: false) {
            _ in false
        }
        guard case .removed = removed else { Issue.record("expected removed, got \(removed)"); return }
        let kept = try RecordBatchCompactor.compact(Self.batch(), newDeleteHorizonMs: nil, keepEmptyHeader: true) {
            _ in false
        }
        guard case .rewritten(let empty) = kept else { Issue.record("got \(kept)"); return }
        let header = try RecordBatchValidator.validateStoredBatch(in: empty, at: 0)
        #expect(header.recordCount == 0 && header.totalSize == RecordBatchLayout.headerSize)
        #expect(header.baseOffset == 100 && header.lastOffset == 102 && header.baseSequence == 9)
        #expect(try RecordBatchReader.records(in: empty).isEmpty)
    }

    @Test func aMarkerGetsItsDeleteHorizonAndStaysAMarkerThenEmptiesWithoutIt() throws {
        var marker = ControlRecordType.abort.markerBatch(producerId: 4, producerEpoch: 2, timestamp: 7_000)
        marker.setInteger(Int64(50), at: RecordBatchLayout.baseOffsetOffset)
        let marked = try RecordBatchCompactor.settingDeleteHorizon(of: marker, to: 90_000)
        let header = try RecordBatchValidator.validateStoredBatch(in: marked, at: 0)
        #expect(header.isControl && header.isTransactional && header.hasDeleteHorizon)
        #expect(header.baseTimestamp == 90_000 && header.maxTimestamp == 7_000)
        #expect(header.baseOffset == 50 && header.producerId == 4 && header.producerEpoch == 2)
        #expect(ControlRecordType.of(batchIn: marked, at: 0) == .abort)
        #expect(try RecordBatchReader.records(in: marked).map { $0.timestamp(in: header) } == [7_000])

        // Emptied, it keeps no horizon: nothing is left for one to time.
        let empty = RecordBatchCompactor.emptyBatch(like: header)
        let emptyHeader = try RecordBatchValidator.validateStoredBatch(in: empty, at: 0)
        #expect(emptyHeader.isControl && emptyHeader.recordCount == 0 && !emptyHeader.hasDeleteHorizon)
        #expect(emptyHeader.baseTimestamp == 7_000 && emptyHeader.producerEpoch == 2)
        #expect(ControlRecordType.of(batchIn: empty, at: 0) == nil)
    }
}
