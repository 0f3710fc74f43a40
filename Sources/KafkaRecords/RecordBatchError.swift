/// Why a record batch was rejected. The broker maps `corrupt` to CORRUPT_MESSAGE (2),
/// `invalidRecord` to INVALID_RECORD (87) and `tooLarge` to MESSAGE_TOO_LARGE (10).
public enum RecordBatchError: Error, Equatable, Sendable {
    /// Fewer bytes than the structure being read needs.
    case truncated
    /// The batch framing is broken: bad CRC, bad length, bad magic, unknown compression codec.
    case corrupt(String)
    /// The batch frames correctly but its records are inconsistent: count, offset deltas,
    /// varints, sizes; also used for batches this code cannot decode (compressed).
    case invalidRecord(String)
    /// The batch (of this many bytes) is larger than the allowed maximum.
    case tooLarge(Int)
}
