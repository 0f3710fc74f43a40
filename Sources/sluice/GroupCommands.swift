import ArgumentParser
import Foundation
import SluiceCLI
import SluiceClient

/// `sluice group list|describe|reset-offsets|delete`.
struct Group: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, describe (with lag per partition), reset offsets of, and delete consumer groups.",
        subcommands: [GroupList.self, GroupDescribe.self, GroupResetOffsets.self, GroupDelete.self])
}

struct GroupList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List consumer groups.")
    @OptionGroup var client: ClientOptions

    struct JSON: Encodable {
        var group: String
        var state: String
        var protocol_type: String
        var type: String
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let groups = try await withAdmin(client, what: "list groups") { try await $0.listGroups() }
            switch client.output {
            case .json:
                emit(
                    try JSONOutput.document(
                        groups.map {
                            JSON(group: $0.groupId, state: $0.state, protocol_type: $0.protocolType, type: $0.type)
                        }) + "\n")
            case .table:
                var table = TextTable(headers: ["GROUP", "STATE", "PROTOCOL", "TYPE"])
                for g in groups { table.append([g.groupId, g.state, g.protocolType, g.type]) }
                emit(table.render())
            }
        }
    }
}

struct GroupDescribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a group's state, members and, per partition, committed offset, end and lag.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Group id.") var group: String

    struct JSON: Encodable {
        struct Member: Encodable {
            var member_id: String
            var instance_id: String?
            var client_id: String
            var host: String
            var partitions: [String]
        }
        struct Lag: Encodable {
            var topic: String
            var partition: Int32
            var committed: Int64?
            var end_offset: Int64
            var lag: Int64
            var member_id: String?
        }
        var group: String
        var state: String
        var protocol_type: String
        var assignor: String
        var members: [Member]
        var partitions: [Lag]
        var total_lag: Int64
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let group = group
            let json = try await withAdmin(client, what: "describe group \(group)") { admin -> JSON in
                let description = try await admin.describeGroup(group)
                let assignedTopics = Set(description.members.flatMap { $0.assignment.map(\.topic) })
                let lag = try await admin.groupLag(group, topics: assignedTopics.sorted())
                if description.state == "Dead" && lag.isEmpty {
                    throw CLIFailure.kafka(.groupIdNotFound, context: "group \(group)")
                }
                var owner: [TopicPartition: String] = [:]
                for m in description.members { for tp in m.assignment { owner[tp] = m.memberId } }
                return JSON(
                    group: group, state: description.state, protocol_type: description.protocolType,
                    assignor: description.assignor,
                    members: description.members.map {
                        .init(
                            member_id: $0.memberId, instance_id: $0.groupInstanceId, client_id: $0.clientId,
                            host: $0.host,
                            partitions: $0.assignment.map(\.description))
                    },
                    partitions: lag.map {
                        .init(
                            topic: $0.partition.topic, partition: $0.partition.partition, committed: $0.committed,
                            end_offset: $0.endOffset, lag: $0.lag, member_id: owner[$0.partition])
                    },
                    total_lag: lag.reduce(0) { $0 + $1.lag })
            }
            switch client.output {
            case .json: emit(try JSONOutput.document(json) + "\n")
            case .table:
                emit(
                    "group \(json.group)  state \(json.state)  members \(json.members.count)  total lag \(json.total_lag)\n"
                )
                var lag = TextTable(headers: ["TOPIC", "PARTITION", "COMMITTED", "END OFFSET", "LAG", "MEMBER"])
                for p in json.partitions {
                    lag.append([
                        p.topic, String(p.partition), p.committed.map(String.init) ?? "-", String(p.end_offset),
                        String(p.lag), p.member_id ?? "-",
                    ])
                }
                emit(lag.render())
                if !json.members.isEmpty {
                    var members = TextTable(headers: ["MEMBER", "CLIENT", "HOST", "PARTITIONS"])
                    for m in json.members {
                        members.append([m.member_id, m.client_id, m.host, m.partitions.joined(separator: ",")])
                    }
                    emit(members.render())
                }
            }
        }
    }
}

struct GroupResetOffsets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-offsets",
        abstract: "Move a group's committed offsets for a topic (the group must have no active members).")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Group id.") var group: String
    @Option(name: [.short, .long], help: "Topic whose partitions to reset.") var topic: String
    @Option(
        name: .long,
        help: "Where to: earliest, latest, an offset (every partition), or a time (ms since the epoch or ISO 8601).")
    var to: String

    func validate() throws { _ = try target() }

    enum Target: Sendable {
        case spec(OffsetSpec)
        case offset(Int64)
    }

    func target() throws -> Target {
        switch to.lowercased() {
        case "earliest", "beginning": return .spec(.earliest)
        case "latest", "end": return .spec(.latest)
        default:
            if let offset = Int64(to), offset >= 0, to.count < 12 { return .offset(offset) }
            if let millis = parseTimestampMillis(to) { return .spec(.timestamp(millis)) }
            throw ValidationError(
                "--to must be earliest, latest, an offset, or a time (ms since the epoch or ISO 8601), not '\(to)'")
        }
    }

    struct JSON: Encodable {
        var group: String
        var topic: String
        var partitions: [Row]
        struct Row: Encodable {
            var partition: Int32
            var offset: Int64
        }
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let (group, topic, target) = (group, topic, try target())
            let offsets = try await withAdmin(client, what: "reset offsets of \(group)") {
                admin -> [TopicPartition: Int64] in
                let description = try await admin.describeGroup(group)
                if !description.members.isEmpty {
                    throw CLIFailure.kafka(
                        .nonEmptyGroup, context: "group \(group) has \(description.members.count) active member(s)")
                }
                switch target {
                case .spec(let spec): return try await admin.resetGroupOffsets(group, topic: topic, to: spec)
                case .offset(let offset):
                    let partitions = try await admin.describeTopics([topic])[0].partitions
                    let offsets = Dictionary(
                        uniqueKeysWithValues: partitions.map { (TopicPartition(topic, $0.partition), offset) })
                    try await admin.alterGroupOffsets(group, offsets: offsets)
                    return offsets
                }
            }
            let rows = offsets.sorted { $0.key < $1.key }.map {
                JSON.Row(partition: $0.key.partition, offset: $0.value)
            }
            switch client.output {
            case .json: emit(try JSONOutput.document(JSON(group: group, topic: topic, partitions: rows)) + "\n")
            case .table:
                emit("reset offsets of group \(group) on \(topic)\n")
                var table = TextTable(headers: ["PARTITION", "NEW OFFSET"])
                for r in rows { table.append([String(r.partition), String(r.offset)]) }
                emit(table.render())
            }
        }
    }
}

struct GroupDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete groups with no active members, and their committed offsets.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Group id(s).") var groups: [String]

    func run() async throws {
        await ClientSupport.run(client) {
            let groups = groups
            try await withAdmin(client, what: "delete groups") { admin in
                for group in groups { try await admin.deleteGroup(group) }
            }
            switch client.output {
            case .json: emit(try JSONOutput.document(["deleted": groups]) + "\n")
            case .table: emit(groups.map { "deleted group \($0)\n" }.joined())
            }
        }
    }
}
