import NIOCore

/// A Kafka message body (request, response, header, or one of their nested structs) that can be
/// decoded from and encoded to any of its versions.
public protocol KafkaMessage: Sendable {
    /// Decodes the message at `version`, consuming its bytes from `buffer`.
    init(from buffer: inout ByteBuffer, version: Int16) throws
    /// Encodes the message at `version`. Fields absent from that version are skipped.
    func write(to writer: inout WireWriter, version: Int16)
}
