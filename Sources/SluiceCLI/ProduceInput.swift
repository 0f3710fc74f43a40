import Foundation

/// One record to produce, as read from stdin or a file by `sluice produce`.
public struct InputRecord: Sendable, Equatable {
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [Header]
    public var partition: Int32?
    public var timestamp: Int64?

    public struct Header: Sendable, Equatable {
        public var key: String
        public var value: [UInt8]?
        public init(key: String, value: [UInt8]?) {
            self.key = key
            self.value = value
        }
    }

    public init(
        key: [UInt8]? = nil, value: [UInt8]?, headers: [Header] = [], partition: Int32? = nil, timestamp: Int64? = nil
    ) {
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
        self.timestamp = timestamp
    }
}

/// Turns input lines into records: plain lines (optionally `KEY<sep>VALUE`), or JSON objects
/// `{"key": …, "value": …, "headers": {"k": "v"}, "partition": n, "timestamp": ms}`.
public struct ProduceInputParser: Sendable {
    public enum Mode: Sendable, Equatable {
        /// Each line is a value; with a separator, the text before its first occurrence is the key
        /// (a line without it is all value, key null — as kcat does).
        case lines(keySeparator: String?)
        /// Each line is one JSON object.
        case json
    }

    public var mode: Mode
    /// Headers added to every record (`-H key=value`), before any the JSON line carries.
    public var headers: [InputRecord.Header]

    public init(mode: Mode, headers: [InputRecord.Header] = []) {
        self.mode = mode
        self.headers = headers
    }

    /// Parses `-H` arguments of the form `key=value` (the value may be empty; `key` alone is a null value).
    public static func parseHeaders(_ arguments: [String]) throws -> [InputRecord.Header] {
        try arguments.map { argument in
            guard let eq = argument.firstIndex(of: "=") else {
                guard !argument.isEmpty else { throw CLIFailure.badInput("empty header") }
                return InputRecord.Header(key: argument, value: nil)
            }
            let key = String(argument[..<eq])
            guard !key.isEmpty else { throw CLIFailure.badInput("header '\(argument)' has no name before '='") }
            return InputRecord.Header(key: key, value: Array(argument[argument.index(after: eq)...].utf8))
        }
    }

    /// The record for one line (without its newline); `lineNumber` (1-based) goes into error messages.
    public func parse(line: Substring, lineNumber: Int) throws -> InputRecord {
        switch mode {
        case .lines(let separator):
            if let separator, !separator.isEmpty, let range = line.range(of: separator) {
                return InputRecord(
                    key: Array(line[..<range.lowerBound].utf8), value: Array(line[range.upperBound...].utf8),
                    headers: headers)
            }
            return InputRecord(value: Array(line.utf8), headers: headers)
        case .json:
            return try parseJSON(line: line, lineNumber: lineNumber)
        }
    }

    private func parseJSON(line: Substring, lineNumber: Int) throws -> InputRecord {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw CLIFailure.badInput("line \(lineNumber): not JSON")
        }
        guard let fields = object as? [String: Any] else {
            throw CLIFailure.badInput(
                "line \(lineNumber): expected a JSON object with \"value\" (and \"key\", \"headers\")")
        }
        let known: Set<String> = ["key", "value", "headers", "partition", "timestamp"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw CLIFailure.badInput(
                "line \(lineNumber): unknown field \"\(unknown)\" (use key, value, headers, partition, timestamp)")
        }
        func bytes(_ name: String) throws -> [UInt8]? {
            switch fields[name] {
            case nil, is NSNull: return nil
            case let text as String: return Array(text.utf8)
            case let other?:
                // Numbers and nested JSON become their JSON text, so `"value": {"a": 1}` works.
                let data = try JSONSerialization.data(withJSONObject: other, options: [.fragmentsAllowed, .sortedKeys])
                return Array(data)
            }
        }
        func integer(_ name: String) throws -> Int64? {
            guard let raw = fields[name], !(raw is NSNull) else { return nil }
            guard let number = raw as? NSNumber, let value = Int64(exactly: number.doubleValue) else {
                throw CLIFailure.badInput("line \(lineNumber): \"\(name)\" must be an integer")
            }
            return value
        }
        var record = InputRecord(key: try bytes("key"), value: try bytes("value"), headers: headers)
        if let partition = try integer("partition") {
            guard let p = Int32(exactly: partition), p >= 0 else {
                throw CLIFailure.badInput("line \(lineNumber): \"partition\" must be 0 or more")
            }
            record.partition = p
        }
        record.timestamp = try integer("timestamp")
        switch fields["headers"] {
        case nil, is NSNull: break
        case let map as [String: Any]:
            for key in map.keys.sorted() {
                let value = map[key]
                if value is NSNull {
                    record.headers.append(.init(key: key, value: nil))
                } else if let text = value as? String {
                    record.headers.append(.init(key: key, value: Array(text.utf8)))
                } else {
                    throw CLIFailure.badInput("line \(lineNumber): header \"\(key)\" must be a string or null")
                }
            }
        default:
            throw CLIFailure.badInput("line \(lineNumber): \"headers\" must be an object of strings")
        }
        return record
    }
}
