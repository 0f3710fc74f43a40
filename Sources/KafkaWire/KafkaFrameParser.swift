import NIOCore

/// What one step of the frame parser produced.
public enum FrameParseResult: Sendable, Equatable {
    /// The buffer does not hold a complete frame yet.
    case needMoreData
    /// A complete frame body (the bytes after the 4-byte length prefix).
    case frame(ByteBuffer)
}

/// Splits a TCP byte stream into Kafka frames (int32 big-endian length, then that many bytes).
/// Oversized or negative lengths are rejected as soon as the 4 prefix bytes arrive, before the body.
public struct KafkaFrameParser: Sendable {
    public let maxFrameBytes: Int

    public init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// Consumes one frame from `buffer` if it is complete; leaves the buffer untouched otherwise.
    public mutating func parseStep(_ buffer: inout ByteBuffer) throws(KafkaWireError) -> FrameParseResult {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return .needMoreData
        }
        guard length >= 0 else { throw .invalidLength(Int64(length)) }
        guard Int(length) <= maxFrameBytes else { throw .frameTooLarge(Int(length)) }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        // readSlice cannot fail: the length was checked above.
        guard let body = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        return .frame(body)
    }
}
