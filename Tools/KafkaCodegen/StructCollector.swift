/// Finds every struct type of a message and the versions in which each can occur.
struct StructCollector {
    private(set) var order: [String] = []
    private(set) var fieldsByName: [String: [FieldSpec]] = [:]
    private(set) var contexts: [String: VersionRange] = [:]

    init(message: MessageSpec) throws {
        for common in message.commonStructs {
            fieldsByName[common.name] = common.fields
        }
        try walk(message.fields, context: message.validVersions)
        // Structs not reachable in any valid version are still declared, so names resolve.
        for common in message.commonStructs where contexts[common.name] == nil {
            order.append(common.name)
            contexts[common.name] = message.validVersions
        }
    }

    private mutating func walk(_ fields: [FieldSpec], context: VersionRange) throws {
        for field in fields {
            guard let fieldContext = field.versions.flatMap({ context.intersection($0) }) else { continue }
            guard let structName = Self.structName(of: field.type) else { continue }
            if let inline = field.fields {
                if let existing = fieldsByName[structName], existing.map(\.name) != inline.map(\.name) {
                    throw CodegenError.invalidSpec("struct \(structName) declared twice differently")
                }
                fieldsByName[structName] = inline
            }
            guard let structFields = fieldsByName[structName] else {
                throw CodegenError.invalidSpec("unknown struct type \(structName)")
            }
            let previous = contexts[structName]
            let widened = previous.map { $0.hull(fieldContext) } ?? fieldContext
            if previous == nil { order.append(structName) }
            if previous != widened {
                contexts[structName] = widened
                try walk(structFields, context: widened)
            }
        }
    }

    /// The struct name of a struct or array-of-struct type.
    static func structName(of type: SpecType) -> String? {
        switch type {
        case .structure(let name): return name
        case .array(let element): return structName(of: element)
        default: return nil
        }
    }
}
