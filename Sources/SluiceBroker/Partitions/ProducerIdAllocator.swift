import NIOConcurrencyHelpers

/// Hands out producer ids that are unique across restarts: ids are reserved from the metadata store
/// in blocks, so a restart skips the rest of a block but never reuses an id.
final class ProducerIdAllocator: Sendable {
    static let blockSize: Int64 = 1000

    private let store: any MetadataStore
    private let block = NIOLockedValueBox<(next: Int64, end: Int64)>((0, 0))

    init(store: any MetadataStore) {
        self.store = store
    }

    func next() throws -> Int64 {
        try block.withLockedValue { block in
            if block.next >= block.end {
                let start = try store.update { metadata -> Int64 in
                    let start = metadata.nextProducerIdBlock
                    metadata.nextProducerIdBlock = start + Self.blockSize
                    return start
                }
                block = (start, start + Self.blockSize)
            }
            defer { block.next += 1 }
            return block.next
        }
    }
}
