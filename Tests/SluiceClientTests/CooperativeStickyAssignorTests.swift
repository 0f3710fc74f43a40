import Testing

@testable import SluiceClient

@Suite struct CooperativeStickyAssignorTests {
    typealias Member = CooperativeStickyAssignor.Member

    @Test func freshMembersSplitEvenly() {
        let result = CooperativeStickyAssignor.assign(
            members: [
                Member(id: "a", topics: ["t"], owned: [], generation: -1),
                Member(id: "b", topics: ["t"], owned: [], generation: -1),
            ],
            partitionCounts: ["t": 6])
        #expect(result["a"]!.count == 3)
        #expect(result["b"]!.count == 3)
        #expect(Set(result["a"]! + result["b"]!).count == 6)
    }

    @Test func newcomerGetsPartitionsOnlyAfterTheyAreRevoked() {
        let all = (0..<6).map { TopicPartition("t", Int32($0)) }
        let first = CooperativeStickyAssignor.assign(
            members: [
                Member(id: "a", topics: ["t"], owned: Array(all[0..<3]), generation: 1),
                Member(id: "b", topics: ["t"], owned: Array(all[3..<6]), generation: 1),
                Member(id: "c", topics: ["t"], owned: [], generation: -1),
            ],
            partitionCounts: ["t": 6])
        // a and b keep two each; c gets nothing yet (the two moving partitions are withheld).
        #expect(first["a"]!.count == 2)
        #expect(first["b"]!.count == 2)
        #expect(first["c"]!.isEmpty)
        let second = CooperativeStickyAssignor.assign(
            members: [
                Member(id: "a", topics: ["t"], owned: first["a"]!, generation: 2),
                Member(id: "b", topics: ["t"], owned: first["b"]!, generation: 2),
                Member(id: "c", topics: ["t"], owned: [], generation: 2),
            ],
            partitionCounts: ["t": 6])
        #expect(second["a"] == first["a"])
        #expect(second["b"] == first["b"])
        #expect(second["c"]!.count == 2)
        #expect(Set(second.values.flatMap { $0 }).count == 6)
    }

    @Test func membersOnlyGetTopicsTheySubscribed() {
        let result = CooperativeStickyAssignor.assign(
            members: [
                Member(id: "a", topics: ["x"], owned: [], generation: -1),
                Member(id: "b", topics: ["x", "y"], owned: [], generation: -1),
            ],
            partitionCounts: ["x": 2, "y": 2])
        #expect(result["a"]!.allSatisfy { $0.topic == "x" })
        #expect(Set(result["a"]! + result["b"]!).count == 4)
    }
}
