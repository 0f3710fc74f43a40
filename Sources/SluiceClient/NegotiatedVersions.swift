import KafkaProtocol

/// The version of each API this client uses with one broker: the highest version inside both the
/// broker's advertised range and the range this client's code is written for.
struct NegotiatedVersions: Sendable {
    /// Versions this client's request building and answer handling are written for. Fetch stays
    /// below 13 (topic ids instead of names) and OffsetFetch below 8 (one group per request).
    static let clientRanges: [ApiKey: ClosedRange<Int16>] = [
        .produce: 3...11, .fetch: 4...12, .listOffsets: 1...8, .metadata: 1...12,
        .offsetCommit: 2...8, .offsetFetch: 1...7, .findCoordinator: 1...3, .joinGroup: 2...9,
        .heartbeat: 0...4, .leaveGroup: 0...5, .syncGroup: 0...5, .describeGroups: 0...5,
        .listGroups: 0...4, .apiVersions: 0...3, .createTopics: 2...7, .deleteTopics: 1...6,
        .deleteRecords: 0...2, .initProducerId: 0...4, .describeConfigs: 1...4, .createPartitions: 0...3,
        .deleteGroups: 0...2, .incrementalAlterConfigs: 0...1, .offsetDelete: 0...0,
        .consumerGroupHeartbeat: 0...1, .consumerGroupDescribe: 0...0,
    ]

    private let chosen: [Int16: Int16]
    /// Before ApiVersions is answered only ApiVersions itself is used.
    private let negotiated: Bool

    init() {
        chosen = [:]
        negotiated = false
    }

    init(_ brokerRanges: [(Int16, ClosedRange<Int16>)]) {
        var chosen: [Int16: Int16] = [:]
        for (key, range) in brokerRanges {
            guard let api = ApiKey(rawValue: key), let ours = Self.clientRanges[api], ours.overlaps(range) else {
                continue
            }
            chosen[key] = min(ours.upperBound, range.upperBound)
        }
        self.chosen = chosen
        negotiated = true
    }

    /// The version to send `api` at, or nil when the broker and this client share none.
    func version(for api: ApiKey) -> Int16? {
        negotiated ? chosen[api.rawValue] : (api == .apiVersions ? 3 : nil)
    }
}
