import KafkaWire
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Queues an encoded response on the channel (the caller flushes): the in-memory parts as buffers, the record ranges of
/// segment files as `FileRegion`s, which NIO sends with sendfile (no copy through user space).
enum ResponseWriter {
    static func write(_ response: EncodedResponse, to channel: any Channel) -> EventLoopFuture<Void> {
        guard !response.splices.isEmpty else {
            return channel.write(IOData.byteBuffer(response.buffer))
        }
        var buffer = response.buffer
        var last: EventLoopFuture<Void> = channel.eventLoop.makeSucceededVoidFuture()
        for splice in response.splices {
            let headLength = splice.bufferIndex - buffer.readerIndex
            if headLength > 0, let head = buffer.readSlice(length: headLength) {
                last = channel.write(IOData.byteBuffer(head))
            }
            let descriptor = dup(splice.slice.file.descriptor)
            guard descriptor >= 0 else {
                // Out of descriptors: send this range from memory instead.
                guard let bytes = splice.slice.readAll(allocator: channel.allocator) else {
                    // The frame length already counts these bytes: a short response would
                    // corrupt the stream, so end the connection instead.
                    channel.close(promise: nil)
                    return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                }
                last = channel.write(IOData.byteBuffer(bytes))
                continue
            }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
            let start = Int(splice.slice.offset)
            let region = FileRegion(fileHandle: handle, readerIndex: start, endIndex: start + splice.slice.count)
            last = channel.write(IOData.fileRegion(region))
            last.whenComplete { _ in try? handle.close() }
        }
        if buffer.readableBytes > 0 {
            last = channel.write(IOData.byteBuffer(buffer))
        }
        return last
    }
}
