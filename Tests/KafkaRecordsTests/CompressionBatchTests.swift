import KafkaRecords
import NIOCore
import Testing

/// `sampleBatch`'s records (null key, null value, headers, negative timestamp delta) compressed.
func sampleCompressedBatch(
    _ codec: CompressionCodec, baseOffset: Int64 = 0, baseTimestamp: Int64 = 1_700_000_000_000
) -> ByteBuffer {
    var builder = RecordBatchBuilder(
        baseOffset: baseOffset, baseTimestamp: baseTimestamp, producerId: 77, producerEpoch: 3, baseSequence: 10,
        partitionLeaderEpoch: 5, compression: codec)
    builder.append(key: buffer("k0"), value: buffer("v0"), timestamp: baseTimestamp)
    builder.append(
        key: nil, value: buffer("v1"),
        headers: [RecordHeader(key: "trace", value: buffer("abc")), RecordHeader(key: "empty", value: nil)],
        timestamp: baseTimestamp - 5)
    builder.append(key: buffer("k2"), value: nil, timestamp: baseTimestamp + 9)
    return builder.build()
}

@Suite struct CompressedBatchTests {
    @Test(arguments: CompressionCodec.allCases)
    func builderValidatorAndReaderRoundTrip(codec: CompressionCodec) throws {
        let batch = sampleCompressedBatch(codec)
        let header = try #require(try RecordBatchValidator.validate(batch, maxBatchBytes: 1 << 20).first?.header)
        #expect(header.compression == codec)
        #expect(header.attributes & RecordBatchLayout.compressionCodecMask == Int16(codec.rawValue))
        #expect(header.recordCount == 3 && header.lastOffsetDelta == 2)
        #expect(header.producerId == 77 && header.producerEpoch == 3 && header.baseSequence == 10)
        let records = try RecordBatchReader.records(in: batch)
        #expect(records == (try RecordBatchReader.records(in: sampleBatch())))
    }

    @Test(arguments: compressedCodecs)
    func firstOffsetSearchesCompressedCreateTimeBatches(codec: CompressionCodec) throws {
        // Record timestamps are 1_000, 995, 1_009 at offsets 50, 51, 52.
        let batch = sampleCompressedBatch(codec, baseOffset: 50, baseTimestamp: 1_000)
        let found = try RecordBatchReader.firstOffset(atOrAfter: 1_001, in: batch)
        #expect(found?.offset == 52 && found?.timestamp == 1_009)
        #expect(try RecordBatchReader.firstOffset(atOrAfter: 990, in: batch)?.offset == 50)
    }

    @Test(arguments: compressedCodecs)
    func garbageCompressedPayloadWithValidCRCIsCorrupt(codec: CompressionCodec) throws {
        var batch = sampleCompressedBatch(codec)
        for index in RecordBatchLayout.recordsOffset..<batch.writerIndex {
            batch.setInteger(UInt8(0xAB), at: index)
        }
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        #expect(isCorrupt(validationError(batch)))
        #expect(throws: RecordBatchError.self) { try RecordBatchReader.records(in: batch) }
    }

    @Test(arguments: compressedCodecs)
    func decompressedRecordsAreWalkedLikePlainOnes(codec: CompressionCodec) throws {
        // The header claims 4 records; the compressed section holds 3.
        var batch = sampleCompressedBatch(codec)
        batch.setInteger(Int32(3), at: RecordBatchLayout.lastOffsetDeltaOffset)
        batch.setInteger(Int32(4), at: RecordBatchLayout.recordCountOffset)
        RecordBatchEditor.updateCRC(in: &batch, batchAt: 0)
        #expect(isInvalidRecord(validationError(batch)))
    }

    @Test func decompressionBombInABatchIsCorrupt() throws {
        // One 65 MiB record of zeros: a few KiB as zstd, over the 64 MiB limit once inflated.
        var builder = RecordBatchBuilder(baseTimestamp: 1, compression: .zstd)
        builder.append(key: nil, value: ByteBuffer(repeating: 0, count: 65 << 20), timestamp: 1)
        let batch = builder.build()
        #expect(batch.readableBytes < 64 << 10)
        #expect(isCorrupt(validationError(batch)))
    }

    @Test func validatingAOneMebibyteZstdBatch() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 1_000, compression: .zstd)
        // Distinct values, half incompressible, so the codec really works through 1 MiB.
        for index in 0..<1_024 {
            let value = mixedPayload(size: 1_024, seed: UInt64(index))
            builder.append(key: buffer("key-\(index)"), value: value, timestamp: 1_000 + Int64(index))
        }
        let batch = builder.build()
        let clock = ContinuousClock()
        var validated: [ValidatedBatch] = []
        let elapsed = try clock.measure {
            validated = try RecordBatchValidator.validate(batch, maxBatchBytes: 4 << 20)
        }
        #expect(validated.first?.header.recordCount == 1_024)
        print("validating a zstd batch of 1 MiB of records (\(batch.readableBytes) bytes compressed) took \(elapsed)")
    }
}

@Suite struct RecordBatchRecompressorTests {
    @Test(arguments: CompressionCodec.allCases, CompressionCodec.allCases)
    func recompressKeepsHeaderFieldsAndRecords(from: CompressionCodec, to: CompressionCodec) throws {
        var original = sampleCompressedBatch(from, baseOffset: 40)
        RecordBatchEditor.setLogAppendTime(1_800_000_000_000, in: &original, batchAt: 0)
        let before = try RecordBatchHeader(parsing: original, at: 0)
        let rewritten = try RecordBatchRecompressor.recompress(original, to: to)
        let after = try #require(try RecordBatchValidator.validate(rewritten, maxBatchBytes: 1 << 20).first?.header)
        #expect(after.compression == to)
        #expect(after.timestampType == .logAppendTime)
        var expected = before
        expected.attributes = (before.attributes & ~RecordBatchLayout.compressionCodecMask) | Int16(to.rawValue)
        expected.batchLength = after.batchLength
        expected.crc = after.crc
        #expect(after == expected)
        #expect(try RecordBatchReader.records(in: rewritten) == (try RecordBatchReader.records(in: original)))
    }

    @Test func recompressAllRewritesEachBatchButKeepsControlBatches() throws {
        var payload = sampleCompressedBatch(.gzip, baseOffset: 0)
        payload.writeImmutableBuffer(sampleCompressedBatch(.zstd, baseOffset: 3))
        var control = RecordBatchBuilder(baseTimestamp: 5, producerId: 9, producerEpoch: 0, isControl: true)
        control.append(
            key: buffer("\u{0}\u{0}\u{0}\u{1}"), value: buffer("\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}"), timestamp: 5)
        let controlBatch = control.build()
        payload.writeImmutableBuffer(controlBatch)
        payload.writeImmutableBuffer(sampleCompressedBatch(.none, baseOffset: 7))

        let rewritten = try RecordBatchRecompressor.recompressAll(payload, to: .lz4)
        let batches = try RecordBatchValidator.validate(rewritten, maxBatchBytes: 1 << 20)
        #expect(batches.map(\.header.compression) == [.lz4, .lz4, .none, .lz4])
        #expect(batches.map(\.header.baseOffset) == [0, 3, 0, 7])
        let storedControl = rewritten.getSlice(at: batches[2].range.lowerBound, length: batches[2].range.count)
        #expect(storedControl == controlBatch)
    }
}
