import NIOCore

extension CompressionCodec {
    /// Largest records section `decompress` inflates to unless told otherwise. A batch is at most
    /// `max.message.bytes` compressed; this bounds what a small hostile batch can make the broker
    /// allocate (a decompression bomb).
    public static let defaultDecompressionLimit = 64 << 20

    /// The codec's name as Kafka's `compression.type` spells it (`none` for uncompressed).
    public var name: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }

    /// Compresses `input` in the format Kafka's clients use for this codec: gzip-wrapped
    /// deflate, snappy-java's framing, an LZ4 frame with independent 64 KiB blocks, a zstd frame.
    /// `.none` returns `input` unchanged.
    public func compress(_ input: ByteBuffer) throws(RecordBatchError) -> ByteBuffer {
        if self == .none { return input }
        let result = input.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> ByteBuffer in
                switch self {
                case .none: input
                case .gzip: try GzipCodec.compress(bytes)
                case .snappy: try SnappyCodec.compress(bytes)
                case .lz4: try LZ4Codec.compress(bytes)
                case .zstd: try ZstdCodec.compress(bytes)
                }
            }
        }
        return try result.get()
    }

    /// Decompresses `input` (a batch's records section). `sizeHint` is the expected output size
    /// (only sizes the first allocation). Output beyond `limit` bytes, a truncated stream or
    /// bytes that are not this codec's format throw `.corrupt`. `.none` returns `input`.
    public func decompress(
        _ input: ByteBuffer, sizeHint: Int = 0, limit: Int = CompressionCodec.defaultDecompressionLimit
    ) throws(RecordBatchError) -> ByteBuffer {
        if self == .none { return input }
        let result = input.withUnsafeReadableBytes { bytes in
            Result { () throws(RecordBatchError) -> ByteBuffer in
                try decompress(bytes: bytes, sizeHint: sizeHint, limit: limit)
            }
        }
        return try result.get()
    }

    /// `decompress` on raw bytes (for the validator, which walks raw request bytes).
    func decompress(
        bytes: UnsafeRawBufferPointer, sizeHint: Int, limit: Int
    ) throws(RecordBatchError) -> ByteBuffer {
        var output = DecompressionOutput(sizeHint: sizeHint, limit: limit, codec: self)
        switch self {
        case .none: output.append(bytes)
        case .gzip: try GzipCodec.decompress(bytes, into: &output)
        case .snappy: try SnappyCodec.decompress(bytes, into: &output)
        case .lz4: try LZ4Codec.decompress(bytes, into: &output)
        case .zstd: try ZstdCodec.decompress(bytes, into: &output)
        }
        return output.buffer
    }
}

/// A growing output buffer that never exceeds `limit` bytes: decoders write only into the space
/// `fill` hands them, so a bomb stops at the limit instead of exhausting memory.
struct DecompressionOutput {
    private(set) var buffer: ByteBuffer
    let limit: Int
    let codec: CompressionCodec

    init(sizeHint: Int, limit: Int, codec: CompressionCodec) {
        self.limit = max(limit, 0)
        self.codec = codec
        buffer = ByteBufferAllocator().buffer(capacity: min(max(sizeHint, 4096), max(self.limit, 1)))
    }

    /// Bytes still allowed.
    var remaining: Int { limit - buffer.readableBytes }

    /// Lets `body` write into free space (at least `minimum` bytes, at most up to the limit) and
    /// returns how much space it was given and how much it wrote.
    mutating func fill(
        minimum: Int = 1, _ body: (UnsafeMutableRawBufferPointer) -> Int
    ) throws(RecordBatchError) -> (space: Int, written: Int) {
        guard remaining >= max(minimum, 1) else { throw limitExceeded() }
        if buffer.writableBytes < minimum || buffer.writableBytes == 0 {
            let grown = max(minimum, min(max(buffer.capacity, 4096), remaining))
            buffer.reserveCapacity(minimumWritableBytes: grown)
        }
        let space = min(buffer.writableBytes, remaining)
        var written = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { free in
            written = body(UnsafeMutableRawBufferPointer(rebasing: free[0..<space]))
            return written
        }
        return (space, written)
    }

    /// Copies `bytes` as they are (the `.none` codec), ignoring the limit.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.writeBytes(bytes)
    }

    func limitExceeded() -> RecordBatchError {
        .corrupt("\(codec.name) records decompress to more than \(limit) bytes")
    }

    func corrupt(_ reason: String) -> RecordBatchError {
        .corrupt("invalid \(codec.name) compressed records: \(reason)")
    }
}

extension UnsafeRawBufferPointer {
    /// A non-nil base address even for an empty buffer (C decoders reject null pointers).
    var nonNullBase: UnsafeRawPointer {
        baseAddress ?? UnsafeRawPointer(CompressionScratch.empty)
    }
}

/// A static byte to point at for empty inputs.
enum CompressionScratch {
    nonisolated(unsafe) static let empty: UnsafeMutableRawPointer = .allocate(byteCount: 1, alignment: 1)
}
