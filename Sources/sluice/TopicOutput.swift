import SluiceCLI
import SluiceClient

/// A topic in `--output json` of `topic list`.
struct TopicJSON: Encodable {
    var name: String
    var topic_id: String
    var partitions: Int
    var `internal`: Bool

    init(_ topic: TopicDescription) {
        name = topic.name
        topic_id = topic.topicId
        partitions = topic.partitions.count
        self.internal = topic.isInternal
    }
}

/// What `topic describe` shows: partitions with leader, replicas and offsets, and configs.
struct TopicDetails: Sendable {
    var topic: TopicDescription
    var earliest: [Int32: Int64]
    var latest: [Int32: Int64]
    var configs: [ConfigEntry]

    struct PartitionJSON: Encodable {
        var partition: Int32
        var leader: Int32
        var replicas: [Int32]
        var isr: [Int32]
        var start_offset: Int64?
        var end_offset: Int64?
    }

    struct JSON: Encodable {
        var name: String
        var topic_id: String
        var `internal`: Bool
        var partitions: [PartitionJSON]
        var configs: [String: String?]
    }

    func shownConfigs(allConfigs: Bool) -> [ConfigEntry] {
        configs.filter { allConfigs || !$0.isDefault }.sorted { $0.name < $1.name }
    }

    func json(allConfigs: Bool) -> JSON {
        JSON(
            name: topic.name, topic_id: topic.topicId, internal: topic.isInternal,
            partitions: topic.partitions.map {
                PartitionJSON(
                    partition: $0.partition, leader: $0.leader, replicas: $0.replicas, isr: $0.isr,
                    start_offset: earliest[$0.partition], end_offset: latest[$0.partition])
            },
            configs: Dictionary(
                shownConfigs(allConfigs: allConfigs).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
    }

    func rendered(allConfigs: Bool) -> String {
        var out = "topic \(topic.name)  id \(topic.topicId)  partitions \(topic.partitions.count)"
        out += topic.isInternal ? "  (internal)\n" : "\n"
        var table = TextTable(headers: [
            "PARTITION", "LEADER", "REPLICAS", "ISR", "START OFFSET", "END OFFSET", "RECORDS",
        ])
        for p in topic.partitions {
            let start = earliest[p.partition]
            let end = latest[p.partition]
            table.append([
                String(p.partition), String(p.leader), p.replicas.map(String.init).joined(separator: ","),
                p.isr.map(String.init).joined(separator: ","), start.map(String.init) ?? "-",
                end.map(String.init) ?? "-",
                (start.flatMap { s in end.map { String($0 - s) } }) ?? "-",
            ])
        }
        out += table.render()
        let shown = shownConfigs(allConfigs: allConfigs)
        out += allConfigs ? "configs:\n" : "configs set on the topic (--all-configs for every one):\n"
        var configTable = TextTable(headers: ["CONFIG", "VALUE"])
        for entry in shown {
            configTable.append([entry.name, entry.isSensitive ? "(sensitive)" : entry.value ?? "(null)"])
        }
        out += configTable.render()
        return out
    }
}
