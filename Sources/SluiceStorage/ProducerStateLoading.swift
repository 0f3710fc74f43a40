import KafkaRecords
import Logging

extension PartitionLog {
    /// Rebuilds the producer state of a just-opened log: the newest readable snapshot at or below
    /// the log end, then the batch headers after it. Snapshots are written on every roll, so after
    /// a crash only the active segment is replayed; after a clean close, nothing. Snapshots past
    /// the log end (left by a truncation) or unreadable are deleted, and so are older ones that no
    /// segment starts at, so they do not pile up over restarts.
    /// Also rebuilds the aborted-transaction index: each segment's `.txnindex` entries below the
    /// replay point, plus the ABORT markers the replay meets (written back to their segment's file).
    static func loadProducerState(
        segments: [LogSegment], directory: String, io: any FileIO, logger: Logger
    ) throws -> (state: ProducerStateManager, aborted: [AbortedTransaction]) {
        let logStart = segments[0].baseOffset
        let logEnd = segments[segments.count - 1].nextOffset
        var state = ProducerStateManager()
        var replayFrom = logStart
        var loaded: Int64?
        for offset in try ProducerStateSnapshot.offsets(in: directory, io: io).reversed() {
            if loaded == nil, offset <= logEnd,
                let snapshot = ProducerStateSnapshot.read(
                    directory: directory, offset: offset, io: io)
            {
                state = snapshot
                replayFrom = max(offset, logStart)
                loaded = offset
                continue
            }
            let isSegmentBase = segments.contains { $0.baseOffset == offset }
            if loaded == nil || !isSegmentBase || offset < logStart {
                if loaded == nil {
                    logger.warning("dropping unusable producer snapshot", metadata: ["offset": "\(offset)"])
                }
                try io.removeItem(atPath: ProducerStateSnapshot.path(directory: directory, offset: offset))
            }
        }
        for name in try io.listDirectory(atPath: directory) where name.hasSuffix(ProducerStateSnapshot.temporarySuffix)
        {
            try io.removeItem(atPath: directory + "/" + name)
        }
        var aborted: [AbortedTransaction] = []
        for segment in segments {
            aborted += try TransactionIndex.load(
                directory: directory, baseOffset: segment.baseOffset, notFrom: replayFrom, io: io)
        }
        for segment in segments where segment.nextOffset > replayFrom && segment.size > 0 {
            var position = try segment.offsetIndex.floor(offset: max(replayFrom, segment.baseOffset)).position
            var reader = BatchHeaderReader(file: segment.log, fileEnd: segment.size)
            var found: [AbortedTransaction] = []
            while let header = try reader.header(at: position) {
                if header.lastOffset >= replayFrom {
                    let open = state.entries[header.producerId]?.currentTxnFirstOffset
                    state.replay(header)
                    if header.isControl, let open,
                        try controlType(of: segment, at: position, size: header.totalSize) == .abort
                    {
                        found.append(
                            AbortedTransaction(
                                producerId: header.producerId, firstOffset: open, lastOffset: header.baseOffset,
                                lastStableOffset: state.firstUnstableOffset ?? header.baseOffset + 1))
                    }
                }
                position += Int64(header.totalSize)
            }
            try TransactionIndex.append(found, directory: directory, baseOffset: segment.baseOffset, io: io)
            aborted += found
        }
        return (state, aborted)
    }

    private static func controlType(of segment: LogSegment, at position: Int64, size: Int) throws -> ControlRecordType?
    {
        let bytes = try segment.log.read(at: position, count: min(size, RecordBatchLayout.recordsOffset + 64))
        return ControlRecordType.of(batchIn: bytes, at: bytes.readerIndex)
    }
}
