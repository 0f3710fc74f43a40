/// Emits `init(from:version:)` and `write(to:version:)` for one struct of a message.
struct StructCodecEmitter {
    let message: MessageSpec
    let fields: [FieldSpec]
    /// The versions in which this struct can be encoded.
    let context: VersionRange

    /// Versions of the context in which the message is flexible (nil: never).
    private var flexibleContext: VersionRange? { context.intersection(message.flexibleVersions) }

    /// Expression for "this version is flexible" within the struct's context.
    private var flexibleExpression: String {
        switch versionCondition(message.flexibleVersions, within: context) {
        case nil: return "true"
        case "false": return "false"
        case let condition?: return condition
        }
    }

    /// Versions in which a field is encoded in the fixed (untagged) part of the struct.
    private func regularVersions(_ field: FieldSpec) -> VersionRange? {
        guard let versions = field.versions else { return nil }
        guard field.tag != nil, let tagged = field.taggedVersions else { return context.intersection(versions) }
        let untagged = VersionRange(lowest: versions.lowest, highest: min(versions.highest, tagged.lowest - 1))
        return untagged.lowest <= untagged.highest ? context.intersection(untagged) : nil
    }

    /// Versions in which a field travels in the tagged section.
    private func taggedVersions(_ field: FieldSpec) -> VersionRange? {
        guard field.tag != nil, let tagged = field.taggedVersions, let flexible = flexibleContext else { return nil }
        return flexible.intersection(tagged)?.intersection(field.versions)
    }

    /// Whether strings/bytes/arrays of `field` are compact within `range`.
    private func compactExpression(_ field: FieldSpec, within range: VersionRange) -> String {
        let flexibleRange: VersionRange?
        if let override = field.flexibleOverride {
            flexibleRange = override
        } else {
            flexibleRange = message.flexibleVersions
        }
        switch versionCondition(flexibleRange, within: range) {
        case nil: return "true"
        case "false": return "false"
        case let condition?:
            return field.flexibleOverride == nil && flexibleRange == message.flexibleVersions
                ? "flexible" : "(\(condition))"
        }
    }

    /// nil when nullability does not vary within `range`; otherwise the condition.
    private func nullability(_ field: FieldSpec, within range: VersionRange) -> (always: Bool, condition: String?) {
        if case .records = field.type { return (true, nil) }
        guard field.isOptional else { return (false, nil) }
        switch versionCondition(field.nullableVersions, within: range) {
        case nil: return (true, nil)
        case "false": return (false, nil)
        case let condition?: return (false, condition)
        }
    }

    private var taggedFields: [FieldSpec] { fields.filter { taggedVersions($0) != nil } }

    // MARK: decoding

    func emitDecoder() -> CodeWriter {
        var body = CodeWriter()
        for field in fields {
            guard let regular = regularVersions(field) else { continue }
            let property = "self." + swiftPropertyName(field.name)
            body.conditional(versionCondition(regular, within: context)) { code in
                emitRead(field, into: property, buffer: "buffer", within: regular, markerIsVarint: false, code: &code)
            }
        }
        if flexibleContext != nil {
            body.conditional(flexibleExpression == "true" ? nil : "flexible") { code in
                emitTaggedRead(&code)
            }
        }
        var code = CodeWriter()
        code.block("public init(from buffer: inout ByteBuffer, version: Int16) throws") { code in
            if body.lines.contains(where: { $0.contains("flexible") }) {
                code.line("let flexible = \(flexibleExpression)")
            }
            code.append(body)
        }
        return code
    }

    private func emitRead(
        _ field: FieldSpec, into property: String, buffer: String, within range: VersionRange, markerIsVarint: Bool,
        code: inout CodeWriter
    ) {
        let compact = compactExpression(field, within: range)
        func read(nullable: Bool) -> String {
            "try "
                + TypeMapping.readExpression(
                    field.type, entity: field.entityType, buffer: buffer, compact: compact, nullable: nullable,
                    markerIsVarint: markerIsVarint)
        }
        let nullable = nullability(field, within: range)
        if let condition = nullable.condition {
            code.ifElse(
                condition, { $0.line("\(property) = \(read(nullable: true))") },
                { $0.line("\(property) = \(read(nullable: false))") })
        } else {
            code.line("\(property) = \(read(nullable: nullable.always))")
        }
    }

    private func emitTaggedRead(_ code: inout CodeWriter) {
        let known = taggedFields
        if known.isEmpty {
            code.line("self.unknownTaggedFields = try buffer.readKafkaTaggedFields()")
            return
        }
        code.line("let taggedCount = try buffer.readKafkaTaggedFieldCount()")
        code.block("for _ in 0..<taggedCount") { code in
            code.line("let field = try buffer.readKafkaTaggedField()")
            code.line("switch field.tag {")
            for field in known {
                guard let tagged = taggedVersions(field), let flexible = flexibleContext, let tag = field.tag else {
                    continue
                }
                let guardClause = versionCondition(tagged, within: flexible).map { " where \($0)" } ?? ""
                code.line("case \(tag)\(guardClause):")
                code.indented { code in
                    code.line("var data = field.data")
                    emitRead(
                        field, into: "self." + swiftPropertyName(field.name), buffer: "data", within: tagged,
                        markerIsVarint: true, code: &code)
                }
            }
            code.line("default:")
            code.indented { $0.line("self.unknownTaggedFields.append(field)") }
            code.line("}")
        }
    }

    // MARK: encoding

    func emitEncoder() -> CodeWriter {
        var body = CodeWriter()
        for field in fields {
            guard let regular = regularVersions(field) else { continue }
            body.conditional(versionCondition(regular, within: context)) { code in
                emitWrite(field, writer: "writer", within: regular, markerIsVarint: false, code: &code)
            }
        }
        if flexibleContext != nil {
            body.conditional(flexibleExpression == "true" ? nil : "flexible") { code in
                emitTaggedWrite(&code)
            }
        }
        var code = CodeWriter()
        code.block("public func write(to writer: inout WireWriter, version: Int16)") { code in
            if body.lines.contains(where: { $0.contains("flexible") }) {
                code.line("let flexible = \(flexibleExpression)")
            }
            code.append(body)
        }
        return code
    }

    private func emitWrite(
        _ field: FieldSpec, writer: String, within range: VersionRange, markerIsVarint: Bool, code: inout CodeWriter
    ) {
        let compact = compactExpression(field, within: range)
        let property = "self." + swiftPropertyName(field.name)
        func write(nullable: Bool) -> String {
            let isRecords = field.type == .records
            let value =
                (field.isOptional && !nullable && !isRecords)
                ? "(\(property) ?? \(TypeMapping.emptyValue(field)))" : property
            return TypeMapping.writeStatement(
                field.type, entity: field.entityType, value: value, writer: writer, compact: compact,
                nullable: nullable || isRecords, markerIsVarint: markerIsVarint)
        }
        let nullable = nullability(field, within: range)
        if let condition = nullable.condition {
            code.ifElse(condition, { $0.line(write(nullable: true)) }, { $0.line(write(nullable: false)) })
        } else {
            code.line(write(nullable: nullable.always))
        }
    }

    private func emitTaggedWrite(_ code: inout CodeWriter) {
        let known = taggedFields
        if known.isEmpty {
            code.line("writer.buffer.writeKafkaTaggedFields(self.unknownTaggedFields)")
            return
        }
        code.line("var tagged = self.unknownTaggedFields")
        for field in known.sorted(by: { ($0.tag ?? 0) < ($1.tag ?? 0) }) {
            guard let tagged = taggedVersions(field), let flexible = flexibleContext, let tag = field.tag else {
                continue
            }
            let property = "self." + swiftPropertyName(field.name)
            let nonDefault = "\(property) != \(TypeMapping.defaultValue(field))"
            let condition = versionCondition(tagged, within: flexible).map { "\($0) && \(nonDefault)" } ?? nonDefault
            code.block("if \(condition)") { code in
                code.line("var fieldWriter = WireWriter(buffer: ByteBuffer())")
                emitWrite(field, writer: "fieldWriter", within: tagged, markerIsVarint: true, code: &code)
                code.line("tagged.append(TaggedField(tag: \(tag), data: fieldWriter.buffer))")
            }
        }
        code.line("writer.buffer.writeKafkaTaggedFields(tagged)")
    }
}
