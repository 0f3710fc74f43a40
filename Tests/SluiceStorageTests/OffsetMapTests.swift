import Testing

@testable import SluiceStorage

@Suite("Cleaner offset map")
struct OffsetMapTests {
    private func withKey<T>(_ key: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        Array(key.utf8).withUnsafeBytes(body)
    }

    @Test func keepsTheLatestOffsetOfEveryKeyThroughGrowth() {
        var map = OffsetMap(capacity: 1 << 20)
        // Far past the initial table, with every key written twice.
        for round in 0..<2 {
            for key in 0..<50_000 {
                withKey("key-\(key)") { map.put($0, offset: Int64(round * 50_000 + key)) }
            }
        }
        #expect(map.count == 50_000)
        #expect(map.latestOffset == 99_999)
        for key in stride(from: 0, to: 50_000, by: 997) {
            #expect(withKey("key-\(key)") { map.latestOffset(of: $0) } == Int64(50_000 + key))
        }
        #expect(withKey("absent") { map.latestOffset(of: $0) } == nil)
        #expect(withKey("") { map.latestOffset(of: $0) } == nil)
    }

    @Test func isFullAtItsCapacity() {
        var map = OffsetMap(capacity: 3)
        for key in ["a", "b", "a"] { withKey(key) { map.put($0, offset: 0) } }
        #expect(!map.isFull)
        withKey("c") { map.put($0, offset: 1) }
        #expect(map.isFull)
    }

    @Test func advanceOnlyMovesForward() {
        var map = OffsetMap(capacity: 8)
        withKey("a") { map.put($0, offset: 10) }
        map.advance(to: 5)
        #expect(map.latestOffset == 10)
        map.advance(to: 20)
        #expect(map.latestOffset == 20)
    }
}
