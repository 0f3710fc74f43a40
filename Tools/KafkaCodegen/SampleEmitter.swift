/// Emits test support: a `sample(version:)` per struct that sets every field present in that
/// version to a non-default value (plus an unknown tagged field when flexible).
struct SampleEmitter {
    let message: MessageSpec
    let structs: StructCollector

    init(message: MessageSpec) throws {
        self.message = message
        self.structs = try StructCollector(message: message)
    }

    func emit() -> CodeWriter {
        var code = CodeWriter()
        emitSample(
            qualifiedName: message.name, fields: message.fields, context: message.validVersions,
            conformance: ": RoundTripSample", into: &code)
        for nested in structs.order {
            guard let fields = structs.fieldsByName[nested], let context = structs.contexts[nested] else { continue }
            code.line()
            emitSample(
                qualifiedName: "\(message.name).\(nested)", fields: fields, context: context, conformance: "",
                into: &code)
        }
        return code
    }

    private func emitSample(
        qualifiedName: String, fields: [FieldSpec], context: VersionRange, conformance: String,
        into code: inout CodeWriter
    ) {
        code.block("extension \(qualifiedName)\(conformance)") { code in
            code.block("static func sample(version: Int16) -> \(qualifiedName)") { code in
                code.line("var sample = \(qualifiedName)()")
                for (index, field) in fields.enumerated() {
                    let condition = versionCondition(field.versions, within: context)
                    if condition == "false" { continue }
                    let value = sampleValue(field.type, entity: field.entityType, seed: index + 2, field: field)
                    code.conditional(condition) { $0.line("sample.\(swiftPropertyName(field.name)) = \(value)") }
                }
                if let flexible = versionCondition(message.flexibleVersions, within: context), flexible != "false" {
                    code.block("if \(flexible)") { code in
                        code.line(
                            "sample.unknownTaggedFields = [TaggedField(tag: 10_000, data: ByteBuffer(bytes: [0xAB, 0xCD]))]"
                        )
                    }
                } else if message.flexibleVersions?.contains(context) == true {
                    code.line(
                        "sample.unknownTaggedFields = [TaggedField(tag: 10_000, data: ByteBuffer(bytes: [0xAB, 0xCD]))]"
                    )
                }
                code.line("return sample")
            }
        }
    }

    /// A value distinct from the field's default.
    private func sampleValue(_ type: SpecType, entity: String?, seed: Int, field: FieldSpec) -> String {
        let wrapped = TypeMapping.entityTypeName(entity, for: type)
        func wrap(_ text: String) -> String { wrapped.map { "\($0)(\(text))" } ?? text }
        switch type {
        case .bool:
            return (field.defaultValue?.lowercased() == "true") ? "false" : "true"
        case .int8, .int16, .int32, .int64, .uint16, .uint32:
            var value = seed
            if let given = field.defaultValue, parseInteger(given) == value { value += 1 }
            return wrap(String(value))
        case .float64: return "\(seed).5"
        case .string: return wrap("\"\(field.name)-\(seed)\"")
        case .bytes: return "ByteBuffer(bytes: [\(seed), 0xFE])"
        case .records: return "RecordsPayload.bytes(ByteBuffer(bytes: [\(seed), 1, 2, 3]))"
        case .uuid: return "KafkaUUID(high: \(seed), low: 0xABCDEF)"
        case .structure(let name): return "\(message.name).\(name).sample(version: version)"
        case .array(let element):
            if case .structure = element {
                return "[" + sampleValue(element, entity: entity, seed: seed, field: field) + "]"
            }
            let first = sampleValue(element, entity: entity, seed: seed, field: field)
            let second = sampleValue(element, entity: entity, seed: seed + 100, field: field)
            return "[\(first), \(second)]"
        }
    }

    private func parseInteger(_ text: String) -> Int? {
        text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
    }
}
