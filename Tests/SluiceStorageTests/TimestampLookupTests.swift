import KafkaRecords
import NIOCore
import Testing

@testable import SluiceStorage

@Suite("Offsets by timestamp")
struct TimestampLookupTests {
    /// 30 batches of 4 records over 3+ segments; batch b has record timestamps 10_000 + 100 b + 10 r.
    private func makeLog(_ fixture: Fixture) throws -> PartitionLog {
        var config = LogConfig()
        config.indexIntervalBytes = 200
        config.segmentBytes = makeBatch(records: 4, valueSize: 30).readableBytes * 10
        let log = try fixture.openLog(config: config)
        for b in 0..<30 {
            var builder = makeBuilder(base: 10_000 + Int64(b) * 100)
            for r in 0..<4 { builder.append(timestamp: 10_000 + Int64(b) * 100 + Int64(r) * 10) }
            _ = try log.append(builder.build(), batchCount: 1, now: 0)
        }
        #expect(log.segmentCount >= 3)
        return log
    }

    @Test(arguments: Backend.allCases)
    func findsTheExactRecord(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try makeLog(fixture)
        // Exactly a record's timestamp: that record.
        #expect(try log.offset(forTimestamp: 10_000 + 1_700 + 20)! == (offset: 70, timestamp: 11_720))
        // Between two records of a batch: the later one.
        #expect(try log.offset(forTimestamp: 10_000 + 1_700 + 15)! == (offset: 70, timestamp: 11_720))
        // Between batches: the first record of the next batch.
        #expect(try log.offset(forTimestamp: 10_000 + 1_700 + 31)! == (72, 11_800))
        // Before everything: the first record.
        #expect(try log.offset(forTimestamp: 0)! == (0, 10_000))
        // After everything: none.
        #expect(try log.offset(forTimestamp: 20_000) == nil)
        // Every record can be found by its own timestamp.
        for offset in 0..<120 {
            let timestamp = 10_000 + Int64(offset / 4) * 100 + Int64(offset % 4) * 10
            #expect(try log.offset(forTimestamp: timestamp)?.offset == Int64(offset))
        }
    }

    @Test(arguments: Backend.allCases)
    func maxTimestampEntryIsTheNewestRecord(backend: Backend) throws {
        let fixture = Fixture(backend)
        let log = try fixture.openLog()
        #expect(try log.maxTimestampEntry() == nil)
        for (index, base) in [Int64(5_000), 9_000, 7_000].enumerated() {
            var builder = makeBuilder(base: base)
            builder.append(timestamp: base)
            builder.append(timestamp: base + (index == 1 ? 50 : 1))
            builder.append(timestamp: base + 2)
            _ = try log.append(builder.build(), batchCount: 1, now: 0)
        }
        #expect(try log.maxTimestampEntry()! == (4, 9_050))
        try log.close()
        #expect(try fixture.openLog().maxTimestampEntry()! == (4, 9_050))
    }
}

/// A batch builder whose records get chosen timestamps and 30-byte values.
private func makeBuilder(base: Int64) -> RecordBatchBuilder {
    RecordBatchBuilder(baseOffset: 0, baseTimestamp: base)
}

extension RecordBatchBuilder {
    fileprivate mutating func append(timestamp: Int64) {
        append(key: nil, value: ByteBuffer(repeating: 7, count: 30), timestamp: timestamp)
    }
}
