import Testing

@testable import SluiceCoordinator

@Suite struct ConsumerProtocolAssignorTests {
    @Test func uniformBalancesAndKeepsPreviousPartitions() {
        let previous: [String: Set<TopicPartition>] = [
            "a": Set((0..<3).map { TopicPartition("t", $0) }), "b": Set((3..<6).map { TopicPartition("t", $0) }),
        ]
        let result = ConsumerProtocolAssignor.assign(
            "uniform", subscriptions: ["a": ["t"], "b": ["t"], "c": ["t"]], partitionCounts: ["t": 6],
            previous: previous)
        #expect(result.values.map(\.count).sorted() == [2, 2, 2])
        #expect(result["a"]?.isSubset(of: previous["a"] ?? []) == true)
        #expect(result["b"]?.isSubset(of: previous["b"] ?? []) == true)
        #expect(result.values.reduce(Set()) { $0.union($1) }.count == 6)
    }

    @Test func uniformWithDifferentSubscriptionsOnlyGivesSubscribedTopics() {
        let result = ConsumerProtocolAssignor.assign(
            "uniform", subscriptions: ["a": ["t", "u"], "b": ["u"]], partitionCounts: ["t": 2, "u": 2], previous: [:])
        #expect(result["b"]?.allSatisfy { $0.topic == "u" } == true)
        #expect(result.values.reduce(0) { $0 + $1.count } == 4)
        #expect(result.values.map(\.count).sorted() == [2, 2])
    }

    @Test func rangeSplitsEachTopicIntoContiguousRanges() {
        let result = ConsumerProtocolAssignor.assign(
            "range", subscriptions: ["a": ["t"], "b": ["t"]], partitionCounts: ["t": 5], previous: [:])
        #expect(result["a"] == Set((0..<3).map { TopicPartition("t", $0) }))
        #expect(result["b"] == Set((3..<5).map { TopicPartition("t", $0) }))
    }
}
