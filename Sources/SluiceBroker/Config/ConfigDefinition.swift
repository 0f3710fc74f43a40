import Foundation

/// What kind of value a config holds; the raw values are Kafka's `ConfigType` codes on the wire.
public enum ConfigValueType: Int8, Sendable {
    case boolean = 1, string = 2, int = 3, short = 4, long = 5, double = 6, list = 7, password = 9
}

/// Where a config's effective value came from; raw values are Kafka's `ConfigSource` codes.
public enum ConfigSource: Int8, Sendable {
    case unknown = 0
    case dynamicTopic = 1
    case dynamicBroker = 2
    case dynamicDefaultBroker = 3
    case staticBroker = 4
    case defaultConfig = 5
}

/// One config Sluice understands, under Kafka's name, with its default and how to validate it.
public struct ConfigDefinition: Sendable {
    public let name: String
    public let type: ConfigValueType
    public let defaultValue: String?
    /// For topic configs: the broker config that supplies the default (`retention.ms` → `log.retention.ms`).
    public let brokerSynonym: String?
    public let validValues: [String]?
    public let minimum: Double?
    public let maximum: Double?
    public let documentation: String
    /// False for broker configs read only at start (changing them needs a restart).
    public let isDynamic: Bool

    public init(
        _ name: String, _ type: ConfigValueType, default defaultValue: String?, broker brokerSynonym: String? = nil,
        validValues: [String]? = nil, minimum: Double? = nil, maximum: Double? = nil, dynamic: Bool = true,
        doc: String
    ) {
        self.maximum = maximum
        self.isDynamic = dynamic
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.brokerSynonym = brokerSynonym
        self.validValues = validValues
        self.minimum = minimum
        self.documentation = doc
    }

    /// Checks `value` against the type, range and allowed values; returns a reason when it is invalid.
    public func validationError(for value: String) -> String? {
        switch type {
        case .boolean:
            guard value == "true" || value == "false" else { return "\(name) must be true or false" }
        case .int, .short, .long:
            let parsed: Int64? = Int64(value)
            guard let number = parsed else { return "\(name) must be an integer, got '\(value)'" }
            if type == .int, Int32(exactly: number) == nil { return "\(name) is out of the int range" }
            if type == .short, Int16(exactly: number) == nil { return "\(name) is out of the short range" }
            if let minimum, Double(number) < minimum { return "\(name) must be at least \(Int64(minimum))" }
        case .double:
            guard let number = Double(value) else { return "\(name) must be a number, got '\(value)'" }
            if let minimum, number < minimum { return "\(name) must be at least \(minimum)" }
            if let maximum, number > maximum { return "\(name) must be at most \(maximum)" }
        case .list:
            if let validValues {
                let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                for item in items where !validValues.contains(item) {
                    return "\(name) has invalid value '\(item)'; valid: \(validValues.joined(separator: ", "))"
                }
            }
        case .string, .password:
            if let validValues, !validValues.contains(value) {
                return "\(name) has invalid value '\(value)'; valid: \(validValues.joined(separator: ", "))"
            }
        }
        return nil
    }
}
