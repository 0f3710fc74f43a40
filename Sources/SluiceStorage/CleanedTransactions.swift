import KafkaRecords

/// The transactions one cleaning pass walks through, in offset order, as Kafka's cleaner tracks
/// them (`CleanedTransactionMetadata`): which data batches belong to an aborted transaction, and
/// which transaction markers have nothing of their transaction left before them.
///
/// A marker may only go once a pass saw *no* batch of its transaction: then none can come back,
/// and a reader or a recovery never meets a transactional batch without its marker (which would
/// leave the transaction open for good and hold back the last stable offset). A batch that a pass
/// reads but drops still counts for that pass, so a marker outlives its data by at least one pass,
/// plus `delete.retention.ms` (see `MarkerFate`).
struct CleanedTransactions {
    /// Aborted transactions not reached yet, by first offset (ascending).
    private var upcoming: [AbortedTransaction]
    private var nextUpcoming = 0
    /// Producers inside an aborted transaction, and whether this pass saw a batch of it.
    private var ongoingAborted: [Int64: (transaction: AbortedTransaction, sawBatch: Bool)] = [:]
    /// Producers inside a transaction that is not aborted, of which this pass saw a batch.
    private var ongoingCommitted: Set<Int64> = []
    /// The aborted transactions whose ABORT marker stays with batches of them still in the log:
    /// the entries of the cleaned `.txnindex` (Kafka's `cleanedIndex`). Taken per segment group.
    private var indexEntries: [AbortedTransaction] = []

    /// `aborted`: every aborted transaction that may start in the range the pass walks.
    init(aborted: [AbortedTransaction]) {
        upcoming = aborted.sorted { $0.firstOffset < $1.firstOffset }
    }

    /// A data batch read: true when it belongs to an aborted transaction (its records go).
    mutating func onDataBatch(_ header: RecordBatchHeader) -> Bool {
        startAbortedTransactions(upTo: header.lastOffset)
        guard header.isTransactional, !header.isControl else { return false }
        if ongoingAborted[header.producerId] != nil {
            ongoingAborted[header.producerId]!.sawBatch = true
            return true
        }
        ongoingCommitted.insert(header.producerId)
        return false
    }

    /// A control batch read (`type` nil when it holds no readable marker, e.g. an emptied one):
    /// true when no batch of its transaction was seen in this pass, so the marker may go.
    mutating func onControlBatch(_ header: RecordBatchHeader, type: ControlRecordType?) -> Bool {
        startAbortedTransactions(upTo: header.lastOffset)
        // An emptied marker was already found removable by an earlier pass.
        guard header.recordCount > 0 else { return true }
        switch type {
        case .abort:
            guard let ended = ongoingAborted.removeValue(forKey: header.producerId), ended.sawBatch else {
                return true
            }
            indexEntries.append(ended.transaction)
            return false
        case .commit:
            return ongoingCommitted.remove(header.producerId) == nil
        case nil:
            return false
        }
    }

    /// The `.txnindex` entries of the markers read since the last call (one segment group).
    mutating func takeIndexEntries() -> [AbortedTransaction] {
        defer { indexEntries = [] }
        return indexEntries
    }

    private mutating func startAbortedTransactions(upTo offset: Int64) {
        while nextUpcoming < upcoming.count, upcoming[nextUpcoming].firstOffset <= offset {
            let transaction = upcoming[nextUpcoming]
            if ongoingAborted[transaction.producerId] == nil {
                ongoingAborted[transaction.producerId] = (transaction, false)
            }
            nextUpcoming += 1
        }
    }
}

/// What a pass does with one transaction marker (Kafka's retention of control batches, KIP-534).
enum MarkerFate: Equatable {
    /// Kept as it is.
    case keep
    /// Kept, its delete horizon set to the pass's: removable, but readers that are behind get
    /// `delete.retention.ms` to see it first.
    case keepWithHorizon
    /// Kept as a record-less header: the marker is due to go, but it is the last word of its
    /// producer (the epoch a fence bumped), which recovery must still find.
    case keepEmpty
    /// Dropped.
    case remove

    /// `mayGo`: `CleanedTransactions.onControlBatch` said no batch of its transaction is left.
    /// `isProducersLast`: the producer's state has no later batch and this marker's epoch.
    static func of(_ header: RecordBatchHeader, mayGo: Bool, isProducersLast: Bool, now: Int64) -> MarkerFate {
        guard mayGo else { return .keep }
        if header.recordCount == 0 { return isProducersLast ? .keep : .remove }
        guard header.hasDeleteHorizon else { return .keepWithHorizon }
        guard header.baseTimestamp <= now else { return .keep }
        return isProducersLast ? .keepEmpty : .remove
    }
}
