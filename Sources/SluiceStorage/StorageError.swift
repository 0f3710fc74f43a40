/// Errors thrown by the storage engine. They map onto Kafka error codes at the broker boundary
/// (`offsetOutOfRange` → OFFSET_OUT_OF_RANGE, `noSpace`/`io` → KAFKA_STORAGE_ERROR, ...).
public enum StorageError: Error, Equatable, Sendable {
    /// The requested offset is outside `[logStart, logEnd]`.
    case offsetOutOfRange(requested: Int64, logStart: Int64, logEnd: Int64)
    /// The device is full (ENOSPC / EDQUOT).
    case noSpace
    /// Any other failed system call, carrying its `errno`.
    case io(Int32)
    /// On-disk data is not what the engine wrote (bad index, bad batch where none may be).
    case corrupt(String)
    /// The log or file was closed.
    case closed
    /// The log was deleted.
    case logDeleted
}
