/// Maps spec types to Swift types, defaults, and read/write expressions for generated code.
enum TypeMapping {
    /// Entity types that become hand-written newtypes in KafkaProtocol.
    static func entityTypeName(_ entity: String?, for type: SpecType) -> String? {
        guard let entity, !entity.isEmpty, entity != "unknown" else { return nil }
        switch type {
        case .string, .int32, .int64: break
        default: return nil
        }
        return entity.prefix(1).uppercased() + entity.dropFirst()
    }

    /// The Swift type of a scalar (non-array) spec type, honouring the entity newtype.
    static func scalarType(_ type: SpecType, entity: String?) -> String {
        if let wrapped = entityTypeName(entity, for: type) { return wrapped }
        switch type {
        case .bool: return "Bool"
        case .int8: return "Int8"
        case .int16: return "Int16"
        case .int32: return "Int32"
        case .int64: return "Int64"
        case .uint16: return "UInt16"
        case .uint32: return "UInt32"
        case .float64: return "Double"
        case .string: return "String"
        case .bytes: return "ByteBuffer"
        case .uuid: return "KafkaUUID"
        case .records: return "RecordsPayload"
        case .structure(let name): return name
        case .array(let element): return "[\(scalarType(element, entity: entity))]"
        }
    }

    /// The Swift type of a field's property.
    static func propertyType(_ field: FieldSpec) -> String {
        let base = scalarType(field.type, entity: field.entityType)
        return field.isOptional ? base + "?" : base
    }

    /// An empty, non-null value of the field's (unwrapped) type, written when a null is not allowed.
    static func emptyValue(_ field: FieldSpec) -> String {
        if let wrapped = entityTypeName(field.entityType, for: field.type) {
            return field.type == .string ? "\(wrapped)(\"\")" : "\(wrapped)(0)"
        }
        switch field.type {
        case .string: return "\"\""
        case .bytes: return "ByteBuffer()"
        case .array: return "[]"
        case .structure(let name): return "\(name)()"
        case .bool: return "false"
        case .uuid: return "KafkaUUID.zero"
        case .float64: return "0.0"
        default: return "0"
        }
    }

    /// The field's default value expression, following Kafka's rules for absent "default".
    static func defaultValue(_ field: FieldSpec) -> String {
        if field.isOptional && field.defaultsToNull { return "nil" }
        let given = field.defaultValue ?? ""
        let wrapped = entityTypeName(field.entityType, for: field.type)
        switch field.type {
        case .bool:
            return given.lowercased() == "true" ? "true" : "false"
        case .int8, .int16, .int32, .int64, .uint16, .uint32:
            let literal = given.isEmpty ? "0" : given
            return wrapped.map { "\($0)(\(literal))" } ?? literal
        case .float64:
            return given.isEmpty ? "0.0" : given
        case .string:
            let literal =
                "\"\(given.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
            return wrapped.map { "\($0)(\(literal))" } ?? literal
        case .uuid:
            return given.isEmpty ? "KafkaUUID.zero" : "KafkaUUID(base64String: \"\(given)\")!"
        default:
            return emptyValue(field)
        }
    }

    /// Expression (without `try`) reading one value of `type` from the buffer named `buffer`.
    /// `markerIsVarint` selects the tagged-section null marker for nullable structs.
    static func readExpression(
        _ type: SpecType, entity: String?, buffer: String, compact: String, nullable: Bool, markerIsVarint: Bool = false
    ) -> String {
        let wrapped = entityTypeName(entity, for: type)
        func wrap(_ expression: String) -> String {
            guard let wrapped else { return expression }
            return nullable ? "\(expression).map { \(wrapped)($0) }" : "\(wrapped)(\(expression))"
        }
        switch type {
        case .bool: return "\(buffer).readKafkaBool()"
        case .int8: return wrap("\(buffer).readKafkaInteger(as: Int8.self)")
        case .int16: return wrap("\(buffer).readKafkaInteger(as: Int16.self)")
        case .int32: return wrap("\(buffer).readKafkaInteger(as: Int32.self)")
        case .int64: return wrap("\(buffer).readKafkaInteger(as: Int64.self)")
        case .uint16: return "\(buffer).readKafkaInteger(as: UInt16.self)"
        case .uint32: return "\(buffer).readKafkaInteger(as: UInt32.self)"
        case .float64: return "\(buffer).readKafkaFloat64()"
        case .uuid: return "\(buffer).readKafkaUUID()"
        case .string:
            return wrap("\(buffer).readKafka\(nullable ? "Nullable" : "")String(compact: \(compact))")
        case .bytes:
            return "\(buffer).readKafka\(nullable ? "Nullable" : "")Bytes(compact: \(compact))"
        case .records:
            return "\(buffer).readKafkaRecords(compact: \(compact))"
        case .structure(let name):
            let read = "\(name)(from: &\(buffer), version: version)"
            guard nullable else { return read }
            return
                "\(buffer).readKafkaNullableStruct(markerIsVarint: \(markerIsVarint)) { try \(name)(from: &$0, version: version) }"
        case .array(let element):
            let elementRead = readExpression(element, entity: entity, buffer: "$0", compact: compact, nullable: false)
            return "\(buffer).readKafka\(nullable ? "Nullable" : "")Array(compact: \(compact)) { try \(elementRead) }"
        }
    }

    /// Statement writing `value` of `type` into the WireWriter named `writer`.
    static func writeStatement(
        _ type: SpecType, entity: String?, value: String, writer: String, compact: String, nullable: Bool,
        markerIsVarint: Bool = false
    ) -> String {
        let wrapped = entityTypeName(entity, for: type)
        let raw = wrapped == nil ? value : (nullable ? "\(value)?.rawValue" : "\(value).rawValue")
        switch type {
        case .bool: return "\(writer).buffer.writeKafkaBool(\(value))"
        case .int8, .int16, .int32, .int64, .uint16, .uint32:
            return "\(writer).buffer.writeInteger(\(raw))"
        case .float64: return "\(writer).buffer.writeKafkaFloat64(\(value))"
        case .uuid: return "\(writer).buffer.writeKafkaUUID(\(value))"
        case .string:
            return "\(writer).buffer.writeKafka\(nullable ? "Nullable" : "")String(\(raw), compact: \(compact))"
        case .bytes:
            return "\(writer).buffer.writeKafka\(nullable ? "Nullable" : "")Bytes(\(value), compact: \(compact))"
        case .records:
            return "\(writer).writeKafkaRecords(\(value), compact: \(compact))"
        case .structure:
            guard nullable else { return "\(value).write(to: &\(writer), version: version)" }
            return
                "\(writer).writeKafkaNullableStruct(\(value), markerIsVarint: \(markerIsVarint)) { $1.write(to: &$0, version: version) }"
        case .array(let element):
            let elementWrite = writeStatement(
                element, entity: entity, value: "$1", writer: "$0", compact: compact, nullable: false)
            return
                "\(writer).writeKafka\(nullable ? "Nullable" : "")Array(\(value), compact: \(compact)) { \(elementWrite) }"
        }
    }
}
