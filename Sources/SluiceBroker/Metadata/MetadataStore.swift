/// The one seam through which topics, partitions, configs and ids are read and changed. Single node:
/// `EmbeddedMetadataStore` (a file in the data directory). A cluster store (etcd) comes later.
public protocol MetadataStore: Sendable {
    /// The current metadata.
    func current() -> ClusterMetadata
    /// Applies `change` and makes it durable before returning; on a thrown error nothing changes.
    @discardableResult
    func update<T>(_ change: (inout ClusterMetadata) throws -> T) throws -> T
}
