import Foundation

/// A kcat-style output template for `sluice consume -f`, parsed once and applied to every record.
///
/// Tokens: `%t` topic, `%p` partition, `%o` offset, `%k` key, `%s` value, `%K` key length,
/// `%S` value length, `%T` timestamp (ms), `%h` headers (`k=v,k=v`), `%%` a percent sign;
/// escapes `\n`, `\t`, `\r`, `\\`. A null key or value prints as empty text (its length as -1).
public struct FormatTemplate: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case literal(String)
        case topic, partition, offset, key, value, keyLength, valueLength, timestamp, headers
    }

    public let pieces: [Piece]

    /// Parses `text`; throws `CLIFailure.badInput` for an unknown `%x` or `\x`.
    public init(_ text: String) throws {
        var pieces: [Piece] = []
        var literal = ""
        var iterator = text.makeIterator()
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
        }
        while let c = iterator.next() {
            switch c {
            case "%":
                guard let token = iterator.next() else { throw CLIFailure.badInput("format ends with a lone %") }
                let piece: Piece
                switch token {
                case "t": piece = .topic
                case "p": piece = .partition
                case "o": piece = .offset
                case "k": piece = .key
                case "s": piece = .value
                case "K": piece = .keyLength
                case "S": piece = .valueLength
                case "T": piece = .timestamp
                case "h": piece = .headers
                case "%":
                    literal.append("%")
                    continue
                default: throw CLIFailure.badInput("unknown format token %\(token) (use %t %p %o %k %s %K %S %T %h %%)")
                }
                flush()
                pieces.append(piece)
            case "\\":
                guard let escaped = iterator.next() else { throw CLIFailure.badInput("format ends with a lone \\") }
                switch escaped {
                case "n": literal.append("\n")
                case "t": literal.append("\t")
                case "r": literal.append("\r")
                case "\\": literal.append("\\")
                default: throw CLIFailure.badInput("unknown escape \\\(escaped) (use \\n \\t \\r \\\\)")
                }
            default:
                literal.append(c)
            }
        }
        flush()
        self.pieces = pieces
    }

    /// The text for one record.
    public func render(_ record: ConsumedRecordView) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .topic: out += record.topic
            case .partition: out += String(record.partition)
            case .offset: out += String(record.offset)
            case .key: out += record.key.map(Self.text) ?? ""
            case .value: out += record.value.map(Self.text) ?? ""
            case .keyLength: out += String(record.key?.count ?? -1)
            case .valueLength: out += String(record.value?.count ?? -1)
            case .timestamp: out += String(record.timestamp)
            case .headers:
                out += record.headers.map { "\($0.key)=\($0.value.map(Self.text) ?? "")" }.joined(separator: ",")
            }
        }
        return out
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

/// The parts of a consumed record the CLI prints, independent of the client library's record type.
public struct ConsumedRecordView: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestamp: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [(key: String, value: [UInt8]?)]

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [(key: String, value: [UInt8]?)] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.topic == b.topic && a.partition == b.partition && a.offset == b.offset && a.timestamp == b.timestamp
            && a.key == b.key && a.value == b.value && a.headers.map(\.key) == b.headers.map(\.key)
            && a.headers.map(\.value) == b.headers.map(\.value)
    }
}

/// `--output json` for a consumed record: one JSON object per line. Keys and values are UTF-8 text
/// when they decode as such, else base64 with `key_encoding`/`value_encoding` set to "base64".
public struct ConsumedRecordJSON: Encodable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestamp: Int64
    public var key: String?
    public var value: String?
    public var key_encoding: String?
    public var value_encoding: String?
    public var headers: [Header]

    public struct Header: Encodable, Sendable {
        public var key: String
        public var value: String?
    }

    public init(_ record: ConsumedRecordView) {
        topic = record.topic
        partition = record.partition
        offset = record.offset
        timestamp = record.timestamp
        (key, key_encoding) = Self.encode(record.key)
        (value, value_encoding) = Self.encode(record.value)
        headers = record.headers.map { Header(key: $0.key, value: $0.value.map(FormatTemplate.text)) }
    }

    static func encode(_ bytes: [UInt8]?) -> (String?, String?) {
        guard let bytes else { return (nil, nil) }
        if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        return (Data(bytes).base64EncodedString(), "base64")
    }
}
