import Foundation

/// A field type of the spec language.
indirect enum SpecType: Equatable {
    case bool, int8, int16, int32, int64, uint16, uint32, float64, string, bytes, uuid, records
    case structure(String)
    case array(SpecType)

    static func parse(_ text: String) -> SpecType {
        if text.hasPrefix("[]") { return .array(parse(String(text.dropFirst(2)))) }
        switch text {
        case "bool": return .bool
        case "int8": return .int8
        case "int16": return .int16
        case "int32": return .int32
        case "int64": return .int64
        case "uint16": return .uint16
        case "uint32": return .uint32
        case "float64": return .float64
        case "string": return .string
        case "bytes": return .bytes
        case "uuid": return .uuid
        case "records": return .records
        default: return .structure(text)
        }
    }
}

/// One field of a message or struct spec.
struct FieldSpec {
    var name: String
    var type: SpecType
    var versions: VersionRange?
    var nullableVersions: VersionRange?
    var taggedVersions: VersionRange?
    var tag: Int?
    var defaultValue: String?
    var entityType: String?
    /// nil: inherit the message's flexible versions; `.some(nil)`: never flexible ("none").
    var flexibleOverride: VersionRange??
    var about: String
    var fields: [FieldSpec]?

    init(json: [String: Any]) throws {
        guard let name = json["name"] as? String, let type = json["type"] as? String else {
            throw CodegenError.invalidSpec("field without name or type: \(json)")
        }
        self.name = name
        self.type = SpecType.parse(type)
        self.taggedVersions = try VersionRange.parse(json["taggedVersions"] as? String)
        // As in Kafka, a tagged field without "versions" exists in its tagged versions.
        self.versions = try VersionRange.parse(json["versions"] as? String) ?? taggedVersions
        self.nullableVersions = try VersionRange.parse(json["nullableVersions"] as? String)
        self.tag = json["tag"] as? Int
        // Defaults appear both as strings and as bare JSON numbers/booleans.
        if let text = json["default"] as? String {
            defaultValue = text.trimmingCharacters(in: .whitespaces)
        } else if let raw = json["default"] {
            if case .bool = self.type {
                defaultValue = (raw as? Bool ?? false) ? "true" : "false"
            } else if let number = raw as? Int {
                defaultValue = String(number)
            }
        }
        self.entityType = json["entityType"] as? String
        if let flexible = json["flexibleVersions"] as? String {
            flexibleOverride = .some(try VersionRange.parse(flexible))
        } else {
            flexibleOverride = nil
        }
        self.about = (json["about"] as? String) ?? ""
        if let children = json["fields"] as? [[String: Any]] {
            self.fields = try children.map(FieldSpec.init(json:))
        }
    }

    /// Whether the value may be null in some version (the Swift property is then Optional).
    var isOptional: Bool {
        if case .records = type { return true }
        return nullableVersions != nil
    }

    /// Whether null is this field's default.
    var defaultsToNull: Bool {
        if case .records = type { return true }
        return defaultValue == "null"
    }
}

/// A named struct type declared inside a message (inline array/struct fields and commonStructs).
struct StructSpec {
    var name: String
    var fields: [FieldSpec]
}

/// A whole message spec file (request, response or header).
struct MessageSpec {
    var name: String
    var kind: String
    var apiKey: Int?
    var validVersions: VersionRange
    var flexibleVersions: VersionRange?
    var fields: [FieldSpec]
    var commonStructs: [StructSpec]
    var fileName: String

    init(json: [String: Any], fileName: String) throws {
        guard let name = json["name"] as? String, let kind = json["type"] as? String,
            let valid = try VersionRange.parse(json["validVersions"] as? String)
        else { throw CodegenError.invalidSpec("\(fileName): missing name, type or validVersions") }
        self.name = name
        self.kind = kind
        self.apiKey = json["apiKey"] as? Int
        self.validVersions = valid
        self.flexibleVersions = try VersionRange.parse(json["flexibleVersions"] as? String)
        self.fields = try ((json["fields"] as? [[String: Any]]) ?? []).map(FieldSpec.init(json:))
        self.commonStructs = try ((json["commonStructs"] as? [[String: Any]]) ?? []).map { common in
            guard let structName = common["name"] as? String else {
                throw CodegenError.invalidSpec("\(fileName): commonStruct without name")
            }
            let fields = try ((common["fields"] as? [[String: Any]]) ?? []).map(FieldSpec.init(json:))
            return StructSpec(name: structName, fields: fields)
        }
        self.fileName = fileName
    }
}

/// Removes `//` comments outside string literals so the spec parses as JSON.
func stripJSONComments(_ text: String) -> String {
    var output = ""
    output.reserveCapacity(text.utf8.count)
    var inString = false
    var escaped = false
    var iterator = Array(text).makeIterator()
    var pending: Character? = nil
    while let char = pending ?? iterator.next() {
        pending = nil
        if inString {
            output.append(char)
            if escaped {
                escaped = false
            } else if char == "\\" {
                escaped = true
            } else if char == "\"" {
                inString = false
            }
            continue
        }
        if char == "\"" { inString = true; output.append(char); continue }
        if char == "/" {
            let next = iterator.next()
            if next == "/" {
                while let skipped = iterator.next(), skipped != "\n" {}
                output.append("\n")
                continue
            }
            output.append(char)
            pending = next
            continue
        }
        output.append(char)
    }
    return output
}

/// Loads and parses one spec file.
func loadSpecJSON(at url: URL) throws -> [String: Any] {
    let text = try String(contentsOf: url, encoding: .utf8)
    let data = Data(stripJSONComments(text).utf8)
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw CodegenError.invalidSpec("\(url.lastPathComponent) is not a JSON object")
    }
    return object
}
