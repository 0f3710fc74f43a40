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
    /// An idempotent batch carries an older epoch than the producer's current one (a fenced
    /// producer) → INVALID_PRODUCER_EPOCH.
    case invalidProducerEpoch(producerId: Int64, epoch: Int16, currentEpoch: Int16)
    /// An idempotent batch does not continue its producer's sequence (`lastSequence` -1: a new
    /// epoch that does not start at 0) → OUT_OF_ORDER_SEQUENCE_NUMBER.
    case outOfOrderSequence(producerId: Int64, sequence: Int32, lastSequence: Int32)
}
