import KafkaWire
import NIOCore

/// NIO adapter around `KafkaFrameParser`: emits one `ByteBuffer` per request frame. A length prefix
/// over the limit throws at once, which closes the connection before the body is read.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    var parser: KafkaFrameParser

    init(maxFrameBytes: Int) {
        parser = KafkaFrameParser(maxFrameBytes: maxFrameBytes)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch try parser.parseStep(&buffer) {
        case .needMoreData:
            return .needMoreData
        case .frame(let frame):
            context.fireChannelRead(wrapInboundOut(frame))
            return .continue
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A partial frame at EOF is dropped: the client went away mid-request.
        try decode(context: context, buffer: &buffer)
    }
}
