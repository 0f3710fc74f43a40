import ArgumentParser
import SluiceCLI
import SluiceClient

/// `sluice topic create|list|describe|alter|delete`.
struct Topic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, describe, alter and delete topics.",
        subcommands: [TopicCreate.self, TopicList.self, TopicDescribe.self, TopicAlter.self, TopicDelete.self])
}

/// Parses repeated `--config KEY=VALUE` options.
func parseConfigs(_ pairs: [String]) throws -> [String: String] {
    var configs: [String: String] = [:]
    for pair in pairs {
        guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
            throw ValidationError("--config wants KEY=VALUE (Kafka names, e.g. retention.ms=86400000), not '\(pair)'")
        }
        configs[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
    }
    return configs
}

/// An Admin for one command: bounded by --timeout, closed afterwards.
func withAdmin<T: Sendable>(
    _ options: ClientOptions, what: String, _ body: @escaping @Sendable (Admin) async throws -> T
) async throws -> T {
    let admin = Admin(config: ClientSupport.clientConfig(options), logger: ClientSupport.makeLogger())
    let result = try await ClientSupport.withDeadline(options, what: what) { try await body(admin) }
    await admin.close()
    return result
}

struct TopicCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a topic.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic name.") var name: String
    @Option(name: [.short, .long], help: "Partitions (default: the broker's num.partitions).") var partitions: Int32?
    @Option(name: .long, help: "Replicas per partition (default: the broker's).") var replicationFactor: Int16?
    @Option(name: [.customShort("c"), .long], help: "Topic config KEY=VALUE, Kafka names. Repeatable.")
    var config: [String] = []
    @Flag(help: "Succeed when the topic already exists.") var ifNotExists = false

    func validate() throws {
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        _ = try parseConfigs(config)
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let configs = try parseConfigs(config)
            let (name, partitions, replicas, ifNotExists) = (name, partitions, replicationFactor, ifNotExists)
            let created = try await withAdmin(client, what: "create topic \(name)") { admin -> Bool in
                do {
                    try await admin.createTopic(
                        name, partitions: partitions ?? -1, replicationFactor: replicas ?? -1, configs: configs)
                    return true
                } catch KafkaClientError.broker(.topicAlreadyExists, _) where ifNotExists {
                    return false
                }
            }
            switch client.output {
            case .json: emit(try JSONOutput.document(["topic": name, "created": created ? "true" : "false"]) + "\n")
            case .table: emit(created ? "created topic \(name)\n" : "topic \(name) already exists\n")
            }
        }
    }
}

struct TopicList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List topics.")
    @OptionGroup var client: ClientOptions
    @Flag(name: .customLong("internal"), help: "Include internal topics such as __consumer_offsets.")
    var includeInternal = false

    func run() async throws {
        await ClientSupport.run(client) {
            let includeInternal = includeInternal
            let topics = try await withAdmin(client, what: "list topics") {
                try await $0.listTopics(includeInternal: includeInternal)
            }
            switch client.output {
            case .json: emit(try JSONOutput.document(topics.map(TopicJSON.init)) + "\n")
            case .table:
                var table = TextTable(headers: ["TOPIC", "PARTITIONS", "TOPIC ID"])
                for topic in topics { table.append([topic.name, String(topic.partitions.count), topic.topicId]) }
                emit(table.render())
            }
        }
    }
}

struct TopicDescribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show a topic's partitions (leader, replicas, offsets) and its configs.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic name(s).") var names: [String]
    @Flag(help: "List every config, defaults included (default: only those set on the topic).") var allConfigs = false

    func run() async throws {
        await ClientSupport.run(client) {
            let names = names
            let described = try await withAdmin(client, what: "describe \(names.joined(separator: ","))") { admin in
                var out: [TopicDetails] = []
                for topic in try await admin.describeTopics(names) {
                    let earliest = try await admin.listOffsets(topic: topic.name, spec: .earliest)
                    let latest = try await admin.listOffsets(topic: topic.name, spec: .latest)
                    let configs = try await admin.describeConfigs(.topic(topic.name))
                    out.append(TopicDetails(topic: topic, earliest: earliest, latest: latest, configs: configs))
                }
                return out
            }
            switch client.output {
            case .json: emit(try JSONOutput.document(described.map { $0.json(allConfigs: allConfigs) }) + "\n")
            case .table:
                for (i, details) in described.enumerated() {
                    if i > 0 { emit("\n") }
                    emit(details.rendered(allConfigs: allConfigs))
                }
            }
        }
    }
}

struct TopicAlter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alter", abstract: "Add partitions to a topic or change its configs.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic name.") var name: String
    @Option(name: [.short, .long], help: "New total number of partitions (can only grow).") var partitions: Int32?
    @Option(name: [.customShort("c"), .long], help: "Set topic config KEY=VALUE. Repeatable.") var config: [String] = []
    @Option(name: .long, help: "Reset topic config KEY to the broker default. Repeatable.") var deleteConfig: [String] =
        []

    func validate() throws {
        _ = try parseConfigs(config)
        if partitions == nil, config.isEmpty, deleteConfig.isEmpty {
            throw ValidationError("nothing to change: give --partitions, --config or --delete-config")
        }
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let (name, partitions, set, delete) = (name, partitions, try parseConfigs(config), deleteConfig)
            try await withAdmin(client, what: "alter topic \(name)") { admin in
                if let partitions { try await admin.createPartitions(name, totalCount: partitions) }
                if !set.isEmpty || !delete.isEmpty {
                    // A config change for a topic that does not exist must say so, not succeed quietly.
                    _ = try await admin.describeTopics([name])
                    try await admin.alterConfigs(.topic(name), set: set, delete: delete)
                }
            }
            var changes: [String] = []
            if let partitions { changes.append("partitions=\(partitions)") }
            changes += set.keys.sorted().map { "\($0)=\(set[$0]!)" }
            changes += delete.map { "\($0) reset to default" }
            switch client.output {
            case .json:
                emit(try JSONOutput.document(["topic": name, "changed": changes.joined(separator: ", ")]) + "\n")
            case .table: emit("altered topic \(name): \(changes.joined(separator: ", "))\n")
            }
        }
    }
}

struct TopicDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete topics and their data.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic name(s).") var names: [String]
    @Flag(help: "Succeed when a topic does not exist.") var ifExists = false

    func run() async throws {
        await ClientSupport.run(client) {
            let (names, ifExists) = (names, ifExists)
            let deleted = try await withAdmin(client, what: "delete \(names.joined(separator: ","))") { admin in
                var deleted: [String] = []
                for name in names {
                    do {
                        try await admin.deleteTopic(name)
                        deleted.append(name)
                    } catch KafkaClientError.broker(.unknownTopicOrPartition, _) where ifExists {}
                }
                return deleted
            }
            switch client.output {
            case .json: emit(try JSONOutput.document(["deleted": deleted]) + "\n")
            case .table: emit(deleted.isEmpty ? "nothing deleted\n" : deleted.map { "deleted topic \($0)\n" }.joined())
            }
        }
    }
}
