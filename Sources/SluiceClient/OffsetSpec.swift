/// Which offset to look up in a partition (ListOffsets).
public enum OffsetSpec: Sendable, Equatable {
    /// The log start offset.
    case earliest
    /// The log end offset (the next offset to be written).
    case latest
    /// The first offset whose timestamp is at least this many milliseconds since the epoch
    /// (the end offset when there is none).
    case timestamp(Int64)

    /// ListOffsets' encoding: -2 earliest, -1 latest, otherwise a timestamp.
    var wireTimestamp: Int64 {
        switch self {
        case .earliest: return -2
        case .latest: return -1
        case .timestamp(let millis): return millis
        }
    }
}

/// Whether a consumer sees records of open and aborted transactions.
public enum IsolationLevel: Int8, Sendable {
    /// Everything up to the high watermark.
    case readUncommitted = 0
    /// Only committed transactional records, up to the last stable offset.
    case readCommitted = 1
}
