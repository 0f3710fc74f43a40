/// Errors thrown by every Kafka wire reader on malformed or truncated input.
public enum KafkaWireError: Error, Equatable, Sendable {
    /// Fewer bytes are readable than the encoding requires.
    case truncated
    /// A length or count prefix is negative (other than the null marker) or larger than the readable bytes.
    case invalidLength(Int64)
    /// A varint runs past its maximum number of bytes.
    case invalidVarint
    /// A string's bytes are not valid UTF-8.
    case invalidUTF8
    /// A frame's length prefix exceeds the configured maximum.
    case frameTooLarge(Int)
    /// A null value appeared where the version does not allow null.
    case unexpectedNull
    /// The message does not exist in this version.
    case unsupportedVersion(Int16)
}
