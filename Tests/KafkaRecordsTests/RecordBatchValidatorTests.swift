import KafkaRecords
import NIOCore
import Testing

@Suite struct RecordBatchValidatorTests {
    // In `sampleBatch()` record 0 starts at 61: length, attributes, timestampDelta, offsetDelta, key length.
    static let firstRecordLength = 61
    static let firstRecordOffsetDelta = 64
    static let firstRecordKeyLength = 65

    /// `sampleBatch()` after `edit`, with its CRC recomputed so only the edit is wrong.
    func edited(_ edit: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var batch = sampleBatch()
        edit(&batch)
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        return batch
    }

    @Test func acceptsSeveralBatchesAndReportsAbsoluteRanges() throws {
        var bytes = ByteBuffer(string: "skip")
        bytes.moveReaderIndex(forwardBy: 4)
        var first = sampleBatch(baseOffset: 0)
        var second = sampleBatch(baseOffset: 3)
        let firstSize = first.readableBytes
        let secondSize = second.readableBytes
        bytes.writeBuffer(&first)
        bytes.writeBuffer(&second)
        let batches = try RecordBatchValidator.validate(bytes, maxBatchBytes: 1 << 20)
        #expect(batches.map(\.range) == [4..<(4 + firstSize), (4 + firstSize)..<(4 + firstSize + secondSize)])
        #expect(batches.map(\.header.baseOffset) == [0, 3])
    }

    @Test func emptyBufferIsInvalid() {
        #expect(isInvalidRecord(validationError(ByteBuffer())))
    }

    @Test func flippedCRCByteIsCorrupt() {
        var batch = sampleBatch()
        batch.setInteger(
            batch.getInteger(at: RecordBatchLayout.crcOffset + 2, as: UInt8.self)! ^ 0x10,
            at: RecordBatchLayout.crcOffset + 2)
        #expect(isCorrupt(validationError(batch)))
    }

    @Test func flippedRecordByteIsCorrupt() {
        var batch = sampleBatch()
        let last = batch.writerIndex - 1
        batch.setInteger(batch.getInteger(at: last, as: UInt8.self)! ^ 0x01, at: last)
        #expect(isCorrupt(validationError(batch)))
    }

    @Test func truncatedBatchIsCorrupt() {
        var batch = sampleBatch()
        batch.moveWriterIndex(to: batch.writerIndex - 1)
        #expect(isCorrupt(validationError(batch)))
        batch.moveWriterIndex(to: 30)
        #expect(isCorrupt(validationError(batch)))
    }

    @Test func trailingGarbageAfterLastBatchIsCorrupt() {
        var bytes = sampleBatch()
        bytes.writeBytes([1, 2, 3, 4, 5])
        #expect(isCorrupt(validationError(bytes)))
    }

    @Test func badMagicIsCorrupt() {
        let batch = edited { $0.setInteger(Int8(1), at: RecordBatchLayout.magicOffset) }
        #expect(validationError(batch) == .corrupt("unsupported magic 1"))
    }

    @Test func batchLengthBelowHeaderIsCorrupt() {
        // Length is checked before the CRC, so no CRC repair is needed (or possible) here.
        for length in [Int32(10), 48, -1, .min] {
            var batch = sampleBatch()
            batch.setInteger(length, at: RecordBatchLayout.batchLengthOffset)
            #expect(isCorrupt(validationError(batch)), "batch length \(length)")
        }
    }

    @Test func unknownCompressionCodecIsCorrupt() {
        let batch = edited { $0.setInteger(Int16(6), at: RecordBatchLayout.attributesOffset) }
        #expect(validationError(batch) == .corrupt("unknown compression codec 6"))
    }

    @Test func batchOverTheLimitIsTooLarge() {
        let batch = sampleBatch()
        #expect(validationError(batch, maxBatchBytes: batch.readableBytes - 1) == .tooLarge(batch.readableBytes))
        #expect(validationError(batch, maxBatchBytes: batch.readableBytes) == nil)
    }

    @Test func wrongLastOffsetDeltaIsInvalid() {
        let batch = edited { $0.setInteger(Int32(5), at: RecordBatchLayout.lastOffsetDeltaOffset) }
        #expect(isInvalidRecord(validationError(batch)))
    }

    @Test func wrongRecordCountIsInvalid() {
        for count in [Int32(0), 2, 4, -3, .max] {
            let batch = edited {
                $0.setInteger(count, at: RecordBatchLayout.recordCountOffset)
                $0.setInteger(count &- 1, at: RecordBatchLayout.lastOffsetDeltaOffset)
            }
            #expect(isInvalidRecord(validationError(batch)), "record count \(count)")
        }
    }

    @Test func recordLengthPastTheBatchIsInvalid() {
        var builder = RecordBatchBuilder(baseTimestamp: 0)
        builder.append(key: nil, value: buffer("only"), timestamp: 0)
        var batch = builder.build()
        let length = batch.getInteger(at: Self.firstRecordLength, as: UInt8.self)!
        batch.setInteger(length + 2, at: Self.firstRecordLength)  // zigzag: one byte more
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        #expect(isInvalidRecord(validationError(batch)))
    }

    @Test func negativeRecordLengthIsInvalid() {
        let batch = edited { $0.setInteger(UInt8(0x03), at: Self.firstRecordLength) }  // zigzag -2
        #expect(isInvalidRecord(validationError(batch)))
    }

    @Test func recordLengthNotMatchingItsFieldsIsInvalid() {
        let batch = edited {
            let length = $0.getInteger(at: Self.firstRecordLength, as: UInt8.self)!
            $0.setInteger(length - 2, at: Self.firstRecordLength)  // one byte less than the fields take
        }
        #expect(isInvalidRecord(validationError(batch)))
    }

    @Test func offsetDeltaNotEqualToIndexIsInvalid() {
        let batch = edited { $0.setInteger(UInt8(0x02), at: Self.firstRecordOffsetDelta) }  // delta 1 at index 0
        #expect(validationError(batch) == .invalidRecord("record 0 has offset delta 1"))
    }

    @Test func keyLengthBelowMinusOneIsInvalid() {
        let batch = edited { $0.setInteger(UInt8(0x03), at: Self.firstRecordKeyLength) }  // zigzag -2
        #expect(isInvalidRecord(validationError(batch)))
    }

    @Test func bytesAfterTheLastRecordAreInvalid() {
        var batch = sampleBatch()
        batch.writeInteger(UInt8(0))
        let length = batch.getInteger(at: RecordBatchLayout.batchLengthOffset, as: Int32.self)!
        batch.setInteger(length + 1, at: RecordBatchLayout.batchLengthOffset)
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        #expect(isInvalidRecord(validationError(batch)))
    }

    @Test func compressedBatchesAreDecompressedAndWalked() throws {
        // Plain records labelled gzip (valid CRC) are not gzip: the payload is corrupt.
        let mislabelled = edited { $0.setInteger(Int16(1), at: RecordBatchLayout.attributesOffset) }
        #expect(isCorrupt(validationError(mislabelled)))

        var builder = RecordBatchBuilder(baseTimestamp: 1_000, compression: .gzip)
        builder.append(key: buffer("k"), value: buffer("v"), timestamp: 1_000)
        let batch = builder.build()
        let header = try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20)[0].header
        #expect(header.compression == .gzip)

        var damaged = batch
        damaged.setInteger(UInt8(0xFF), at: damaged.writerIndex - 1)
        #expect(isCorrupt(validationError(damaged)))
    }

    @Test func secondBatchErrorsAreFoundToo() {
        var bytes = sampleBatch()
        var bad = edited { $0.setInteger(Int8(0), at: RecordBatchLayout.magicOffset) }
        bytes.writeBuffer(&bad)
        #expect(validationError(bytes) == .corrupt("unsupported magic 0"))
    }
}

@Suite struct StoredBatchValidationTests {
    @Test func acceptsWholeBatchesIncludingEmptyOnes() throws {
        var bytes = sampleBatch(baseOffset: 5)
        let second = bytes.writerIndex
        var empty = RecordBatchBuilder(baseOffset: 8, baseTimestamp: 0).build()
        bytes.writeBuffer(&empty)
        #expect(try RecordBatchValidator.validateStoredBatch(in: bytes, at: 0).baseOffset == 5)
        #expect(try RecordBatchValidator.validateStoredBatch(in: bytes, at: second).recordCount == 0)
    }

    @Test func tornTailIsTruncatedAndDamageIsCorrupt() {
        var torn = sampleBatch()
        torn.moveWriterIndex(to: torn.writerIndex - 3)
        #expect(throws: RecordBatchError.truncated) { try RecordBatchValidator.validateStoredBatch(in: torn, at: 0) }
        torn.moveWriterIndex(to: 20)
        #expect(throws: RecordBatchError.truncated) { try RecordBatchValidator.validateStoredBatch(in: torn, at: 0) }

        var damaged = sampleBatch()
        damaged.setInteger(UInt8(0x55), at: damaged.writerIndex - 1)
        #expect(isCorrupt(storedError(damaged)))
    }

    func storedError(_ bytes: ByteBuffer) -> RecordBatchError? {
        do {
            _ = try RecordBatchValidator.validateStoredBatch(in: bytes, at: 0)
            return nil
        } catch {
            return error
        }
    }
}
