import Foundation

/// How a broker is started: where it listens, where data lives, and the static Kafka-named configs
/// from `--config FILE` and `--set key=value`. Everything has a default, so `sluice serve` needs none.
public struct BrokerOptions: Sendable {
    public var nodeId: Int32 = 1
    public var dataDirectory: String = "./data"
    public var listenHost: String = "127.0.0.1"
    public var listenPort: Int = 9092
    /// Host and port given to clients in Metadata; defaults to the listen address.
    public var advertisedHost: String?
    public var advertisedPort: Int?
    /// Static broker configs by Kafka name, validated.
    public private(set) var staticConfigs: [String: String] = [:]
    /// Which unit set `log.retention.ms` / `log.roll.ms`: 1 hours, 2 minutes, 3 ms.
    private var timeSettingRank: [String: Int] = [:]
    /// Keys that were given but that Sluice does not use (logged at start, like Kafka does).
    public private(set) var ignoredConfigs: [String] = []

    public init() {}

    /// Sets one static config by its Kafka name. Keys Sluice maps onto its own options
    /// (`node.id`, `log.dirs`, `listeners`, …) update those; aliases in hours/minutes become ms.
    public mutating func set(_ key: String, _ value: String) throws {
        switch key {
        case "node.id", "broker.id":
            guard let id = Int32(value), id >= 0 else {
                throw BrokerOptionsError.invalid(key, "must be a non-negative int")
            }
            nodeId = id
        case "log.dirs", "log.dir":
            dataDirectory = String(value.split(separator: ",").first ?? "")
        case "listeners":
            (listenHost, listenPort) = try Self.parseListener(value, key: key)
        case "advertised.listeners":
            let (host, port) = try Self.parseListener(value, key: key)
            (advertisedHost, advertisedPort) = (host, port)
        case "log.retention.hours", "log.retention.minutes", "log.roll.hours":
            guard let amount = Int64(value) else { throw BrokerOptionsError.invalid(key, "must be an integer") }
            let unit: Int64 = key.hasSuffix("hours") ? 3_600_000 : 60_000
            let target = key.hasPrefix("log.roll") ? "log.roll.ms" : "log.retention.ms"
            // As in Kafka, the finer unit wins whatever the order: ms over minutes over hours.
            let rank = key.hasSuffix("hours") ? 1 : 2
            if rank >= timeSettingRank[target, default: 0] {
                try set(target, String(amount * unit))
                timeSettingRank[target] = rank
            }
        default:
            guard let definition = ConfigCatalog.brokerDefinition(key) else {
                // Kafka too accepts and ignores configs it does not use; the caller logs them.
                ignoredConfigs.append(key)
                return
            }
            if let reason = definition.validationError(for: value) { throw BrokerOptionsError.invalid(key, reason) }
            staticConfigs[key] = value
            if key == "log.retention.ms" || key == "log.roll.ms" { timeSettingRank[key] = 3 }
        }
    }

    /// Loads a Java-style properties file (`key=value` or `key: value`, `#`/`!` comments).
    public mutating func load(propertiesFile path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw BrokerOptionsError.unreadable(path, "\(error)")
        }
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw BrokerOptionsError.invalid(line, "expected key=value")
            }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            try set(key, value)
        }
    }

    /// Parses `HOST:PORT`, also `PLAINTEXT://HOST:PORT` and `[::1]:PORT`.
    public static func parseListener(_ text: String, key: String = "listener") throws -> (String, Int) {
        var rest = Substring(text.split(separator: ",").first ?? "")
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw BrokerOptionsError.invalid(key, "expected HOST:PORT, got '\(text)'") }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}

public enum BrokerOptionsError: Error, CustomStringConvertible {
    case invalid(String, String)
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .invalid(let key, let reason): return "invalid config '\(key)': \(reason)"
        case .unreadable(let path, let reason): return "cannot read config file \(path): \(reason)"
        }
    }
}
