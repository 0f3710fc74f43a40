import KafkaRecords
import NIOCore
import Testing

@testable import SluiceClient

@Suite struct FetchedRecordsDecoderTests {
    func batch(base: Int64, producerId: Int64 = -1, transactional: Bool = false, control: Bool = false, count: Int)
        -> ByteBuffer
    {
        var builder = RecordBatchBuilder(
            baseOffset: base, baseTimestamp: 1000, producerId: producerId, producerEpoch: 0, baseSequence: 0,
            isTransactional: transactional, isControl: control)
        for index in 0..<count {
            builder.append(key: nil, value: ByteBuffer(string: "\(base + Int64(index))"), timestamp: 1000)
        }
        return builder.build()
    }

    @Test func readCommittedDropsAbortedTransactionsAndControlBatches() throws {
        var bytes = ByteBuffer()
        var plain = batch(base: 0, count: 2)
        var aborted = batch(base: 2, producerId: 7, transactional: true, count: 2)
        var abortMarker = batch(base: 4, producerId: 7, transactional: true, control: true, count: 1)
        var committed = batch(base: 5, producerId: 8, transactional: true, count: 2)
        var commitMarker = batch(base: 7, producerId: 8, transactional: true, control: true, count: 1)
        bytes.writeBuffer(&plain)
        bytes.writeBuffer(&aborted)
        bytes.writeBuffer(&abortMarker)
        bytes.writeBuffer(&committed)
        bytes.writeBuffer(&commitMarker)
        let partition = TopicPartition("t", 0)

        let uncommitted = try FetchedRecordsDecoder.decode(
            bytes, partition: partition, fetchOffset: 0, abortedTransactions: nil)
        #expect(uncommitted.records.map(\.offset) == [0, 1, 2, 3, 5, 6])
        #expect(uncommitted.nextOffset == 8)

        let readCommitted = try FetchedRecordsDecoder.decode(
            bytes, partition: partition, fetchOffset: 1, abortedTransactions: [(producerId: 7, firstOffset: 2)])
        #expect(readCommitted.records.map(\.offset) == [1, 5, 6])
        #expect(readCommitted.nextOffset == 8)
    }

    @Test func partialTrailingBatchIsLeftForTheNextFetch() throws {
        var bytes = batch(base: 0, count: 3)
        var second = batch(base: 3, count: 3)
        bytes.writeBuffer(&second)
        let cut = bytes.getSlice(at: 0, length: bytes.readableBytes - 5)!
        let decoded = try FetchedRecordsDecoder.decode(
            cut, partition: TopicPartition("t", 0), fetchOffset: 0, abortedTransactions: nil)
        #expect(decoded.records.map(\.offset) == [0, 1, 2])
        #expect(decoded.nextOffset == 3)
    }
}
