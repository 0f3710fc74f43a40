import KafkaRecords
import NIOCore
import Testing

/// Random damage to valid batches (2,500 cases per run, fixed seeds) must end in a thrown error or a pass, never a trap; and
/// whatever passes validation must decode.
@Suite struct ValidatorFuzzTests {
    static func seeds() -> [ByteBuffer] {
        var twoBatches = sampleBatch()
        var second = sampleBatch(baseOffset: 3)
        twoBatches.writeBuffer(&second)
        var gzip = sampleBatch()
        gzip.setInteger(Int16(1), at: RecordBatchLayout.attributesOffset)
        RecordBatchEditor.updateCRC(in: &gzip, batchAt: 0)
        var wide = RecordBatchBuilder(baseTimestamp: 0)
        for index in 0..<20 {
            wide.append(
                key: index % 3 == 0 ? nil : buffer("key\(index)"),
                value: buffer(String(repeating: "v", count: index * 13)),
                headers: (0..<(index % 4)).map { RecordHeader(key: "h\($0)", value: $0 == 1 ? nil : buffer("x")) },
                timestamp: Int64(index) * 1_000_000_007 - 5_000)
        }
        return [sampleBatch(), twoBatches, gzip, wide.build()]
    }

    /// Damages `bytes` in one of several ways; when `fixCRC`, recomputes CRCs of whole batches
    /// so the damage reaches the record checks.
    static func mutate(_ original: ByteBuffer, using rng: inout SplitMix64, fixCRC: Bool) -> ByteBuffer {
        var bytes = Array(original.readableBytesView)
        switch rng.next() % 5 {
        case 0, 1:
            for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
                let index = Int(rng.next() % UInt64(bytes.count))
                bytes[index] ^= UInt8(truncatingIfNeeded: 1 + rng.next() % 255)
            }
        case 2:
            bytes.removeLast(Int(rng.next() % UInt64(bytes.count + 1)))
        case 3:
            let index = Int(rng.next() % UInt64(bytes.count + 1))
            bytes.insert(
                contentsOf: (0..<(1 + rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: index)
        default:
            // Rewrite a varint-sized spot inside the records with a random byte.
            if bytes.count > RecordBatchLayout.headerSize {
                let index =
                    RecordBatchLayout.headerSize + Int(rng.next() % UInt64(bytes.count - RecordBatchLayout.headerSize))
                bytes[index] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        var result = buffer(bytes)
        if fixCRC {
            var index = 0
            while index + RecordBatchLayout.headerSize <= result.writerIndex {
                let length = Int(result.getInteger(at: index + RecordBatchLayout.batchLengthOffset, as: Int32.self)!)
                let size = length + RecordBatchLayout.logOverhead
                guard size >= RecordBatchLayout.headerSize, index + size <= result.writerIndex else { break }
                RecordBatchEditor.updateCRC(in: &result, batchAt: index)
                index += size
            }
        }
        return result
    }

    @Test(arguments: [false, true])
    func randomMutationsNeverTrap(fixCRC: Bool) throws {
        var rng = SplitMix64(seed: fixCRC ? 2024 : 1999)
        var passed = 0
        var rejected = 0
        var recordLevelRejections = 0
        for round in 0..<2_500 {
            let seeds = Self.seeds()
            let input = Self.mutate(seeds[round % seeds.count], using: &rng, fixCRC: fixCRC)
            // The reader and timestamp search must also survive unvalidated bytes.
            _ = try? RecordBatchReader.records(in: input)
            _ = try? RecordBatchReader.firstOffset(atOrAfter: Int64(bitPattern: rng.next() % 3_000_000_000), in: input)
            do {
                let batches = try RecordBatchValidator.validate(input, maxBatchBytes: 1 << 20)
                passed += 1
                for batch in batches where batch.header.compression == .none {
                    let slice = input.getSlice(at: batch.range.lowerBound, length: batch.range.count)!
                    let records = try RecordBatchReader.records(in: slice)
                    #expect(records.count == Int(batch.header.recordCount), "round \(round)")
                }
            } catch {
                rejected += 1
                if case .invalidRecord = error { recordLevelRejections += 1 }
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the validator.
        #expect(rejected > 1_000)
        #expect(passed > 0 || !fixCRC)
        // With CRCs repaired, much of the damage must get past the framing into the record walk.
        #expect(recordLevelRejections > 300 || !fixCRC)
    }
}
