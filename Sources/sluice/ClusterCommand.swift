import ArgumentParser
import SluiceCLI
import SluiceClient

/// `sluice cluster info`.
struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the cluster: id, controller, brokers.", subcommands: [ClusterInfo.self])
}

struct ClusterInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Cluster id, controller, brokers, and how many topics and groups there are.")
    @OptionGroup var client: ClientOptions

    struct JSON: Encodable {
        struct Broker: Encodable {
            var id: Int32
            var host: String
            var port: Int32
            var rack: String?
        }
        var cluster_id: String?
        var controller_id: Int32
        var brokers: [Broker]
        var topics: Int
        var groups: Int
    }

    func run() async throws {
        await ClientSupport.run(client) {
            let info = try await withAdmin(client, what: "describe the cluster") { admin in
                let cluster = try await admin.describeCluster()
                let topics = try await admin.listTopics()
                let groups = try await admin.listGroups()
                return JSON(
                    cluster_id: cluster.clusterId, controller_id: cluster.controllerId,
                    brokers: cluster.brokers.map { .init(id: $0.id, host: $0.host, port: $0.port, rack: $0.rack) },
                    topics: topics.count, groups: groups.count)
            }
            switch client.output {
            case .json: emit(try JSONOutput.document(info) + "\n")
            case .table:
                emit(
                    "cluster \(info.cluster_id ?? "(none)")  controller \(info.controller_id)  topics \(info.topics)  groups \(info.groups)\n"
                )
                var table = TextTable(headers: ["BROKER", "HOST", "PORT", "RACK", "CONTROLLER"])
                for b in info.brokers {
                    table.append([
                        String(b.id), b.host, String(b.port), b.rack ?? "-", b.id == info.controller_id ? "yes" : "",
                    ])
                }
                emit(table.render())
            }
        }
    }
}
