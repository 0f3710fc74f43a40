import Testing

@testable import SluiceClient

@Suite struct PartitionerTests {
    /// Values from Kafka's own `UtilsTest.testMurmur2`: the Java client's hashes.
    @Test(arguments: [
        ("21", Int32(-973_932_308)),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ])
    func murmur2MatchesJava(key: String, expected: Int32) {
        #expect(Partitioner.murmur2(Array(key.utf8)) == expected)
    }

    @Test func keyedPartitionIsPositiveModulo() {
        // -973932308 & 0x7fffffff = 1173551340; % 10 = 0
        #expect(Partitioner.partition(forKey: Array("21".utf8), partitionCount: 10) == 0)
        var partitioner = Partitioner()
        for count in 1...16 {
            let partition = partitioner.partition(topic: "t", key: Array("foobar".utf8), partitionCount: count)
            #expect(partition == Int32((Int64(-790_332_482) & 0x7fff_ffff) % Int64(count)))
        }
    }

    @Test func nullKeysStickUntilTheBatchCloses() {
        var partitioner = Partitioner()
        let first = partitioner.partition(topic: "t", key: nil, partitionCount: 8)
        for _ in 0..<100 { #expect(partitioner.partition(topic: "t", key: nil, partitionCount: 8) == first) }
        partitioner.batchClosed(topic: "t", partition: first, partitionCount: 8)
        let second = partitioner.partition(topic: "t", key: nil, partitionCount: 8)
        #expect(second != first)
        #expect((0..<8).contains(second))
    }
}
