import Foundation

/// Project-owned changes applied on top of Kafka's specs (see amendments.json for the format).
struct Amendments {
    struct MessageAmendment {
        var validVersions: VersionRange?
        var appendFields: [FieldSpec]
    }

    var messages: [String: MessageAmendment] = [:]

    static var empty: Amendments { Amendments() }

    /// Parses `{"messages": {"<Name>": {"validVersions": "0-12", "appendFields": [<field spec>...]}}}`.
    init(url: URL) throws {
        let json = try loadSpecJSON(at: url)
        for (name, value) in (json["messages"] as? [String: Any]) ?? [:] {
            guard let entry = value as? [String: Any] else { throw CodegenError.invalidSpec("amendment \(name)") }
            let fields = try ((entry["appendFields"] as? [[String: Any]]) ?? []).map(FieldSpec.init(json:))
            messages[name] = MessageAmendment(
                validVersions: try VersionRange.parse(entry["validVersions"] as? String), appendFields: fields)
        }
    }

    private init() {}

    func apply(to spec: MessageSpec) -> MessageSpec {
        guard let amendment = messages[spec.name] else { return spec }
        var amended = spec
        if let versions = amendment.validVersions { amended.validVersions = versions }
        amended.fields += amendment.appendFields
        return amended
    }
}
