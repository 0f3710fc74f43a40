import KafkaRecords
import Logging
import NIOCore

/// File names used while a cleaned segment replaces old ones (Kafka's scheme):
/// `<base>.log.cleaned` (+ `.index.cleaned`, `.timeindex.cleaned`) while being written, renamed to
/// `.swap` once complete and fsynced — the renaming of the `.log` file is the commit point — then,
/// after the old segments' files are removed, renamed to the plain names.
enum CleanerFileNames {
    static let cleanedSuffix = ".cleaned"
    static let swapSuffix = ".swap"
    /// Old segment files between their replacement and their removal, which runs outside the log's
    /// lock (unlinking a large file takes tens of milliseconds); leftovers are removed at open.
    static let deletedSuffix = ".deleted"
    /// The `.log` last: its rename is the commit point. A `.txnindex` exists only when the group
    /// holds aborted transactions.
    static let segmentSuffixes = [
        SegmentFileNames.offsetIndexSuffix, SegmentFileNames.timeIndexSuffix, TransactionIndex.suffix,
        SegmentFileNames.logSuffix,
    ]
}

/// What one pass decides batches by.
struct CleaningContext {
    var map: OffsetMap
    var now: Int64
    /// The delete horizon a batch gets when this pass first keeps a tombstone in it, or first
    /// finds its transaction marker removable.
    var newHorizon: Int64
    /// Producers' last batches keep at least an empty header.
    var producers: ProducerStateManager
    /// The transactions met so far, carried from one segment group to the next.
    var transactions: CleanedTransactions

    func isProducersLastBatch(_ header: RecordBatchHeader) -> Bool {
        header.producerId >= 0 && producers.entries[header.producerId]?.batches.last?.lastOffset == header.lastOffset
    }

    /// A marker is its producer's last word when the producer has no batch in its current epoch
    /// and the marker is of that epoch (it carries the epoch a fence bumped), as Kafka decides —
    /// and, of such markers, the latest (the producer's latest timestamp): a coordinator's
    /// transactional offset commits leave no batches either, and every such transaction ends in one.
    func isProducersLastMarker(_ header: RecordBatchHeader) -> Bool {
        guard let entry = producers.entries[header.producerId] else { return false }
        return entry.batches.isEmpty && entry.epoch == header.producerEpoch
            && header.maxTimestamp >= entry.lastTimestamp
    }
}

extension PartitionLog {
    /// Writes the retained batches of `group` into a new segment (base offset = the group's first)
    /// under `.cleaned` names, fsynced. Returns it, the earliest delete horizon still ahead in it,
    /// and the aborted transactions of its `.txnindex`.
    func writeCleaned(
        _ group: [LogSegment], context: inout CleaningContext, settings: CleanerSettings, throttle: CleanerThrottle?,
        result: inout CleaningResult
    ) throws -> (segment: LogSegment, horizon: Int64, aborted: [AbortedTransaction]) {
        let map = context.map
        let now = context.now
        let base = group[0].baseOffset
        let segment = try LogSegment.create(
            directory: directory, baseOffset: base, io: io, state: CleanerFileNames.cleanedSuffix)
        let indexInterval = config.indexIntervalBytes
        var pending = ByteBufferAllocator().buffer(capacity: settings.readChunkBytes)
        var placements: [BatchPlacement] = []
        var earliestHorizon: Int64 = -1

        func flushPending() throws {
            guard !placements.isEmpty else { return }
            try throttle?.account(bytes: pending.readableBytes)
            try segment.writeBatches([pending])
            try segment.publish(placements, indexIntervalBytes: indexInterval, now: now)
            result.bytesWritten += Int64(pending.readableBytes)
            pending.clear()
            placements.removeAll(keepingCapacity: true)
        }
        func keep(_ batch: ByteBuffer, _ header: RecordBatchHeader) throws {
            // A horizon already passed was acted on by this pass; one still ahead (or set to now,
            // with `delete.retention.ms` 0) calls for another.
            if header.hasDeleteHorizon && header.baseTimestamp >= now {
                earliestHorizon =
                    earliestHorizon < 0 ? header.baseTimestamp : min(earliestHorizon, header.baseTimestamp)
            }
            var batch = batch
            pending.writeBuffer(&batch)
            placements.append(
                BatchPlacement(
                    baseOffset: header.baseOffset, lastOffset: header.lastOffset, maxTimestamp: header.maxTimestamp,
                    size: header.totalSize))
            if pending.readableBytes >= settings.readChunkBytes { try flushPending() }
        }

        do {
            for old in group {
                try Self.forEachBatch(in: old, chunkBytes: settings.readChunkBytes, throttle: throttle) {
                    header, batch in
                    result.recordsRead += Int(header.recordCount)
                    if header.isControl {
                        let mayGo = context.transactions.onControlBatch(
                            header, type: ControlRecordType.of(batchIn: batch, at: batch.readerIndex))
                        let fate = MarkerFate.of(
                            header, mayGo: mayGo, isProducersLast: context.isProducersLastMarker(header), now: now)
                        switch fate {
                        case .keep:
                            result.recordsRetained += Int(header.recordCount)
                            try keep(batch, header)
                        case .keepWithHorizon:
                            result.recordsRetained += Int(header.recordCount)
                            let marked = try RecordBatchCompactor.settingDeleteHorizon(
                                of: batch, to: context.newHorizon)
                            try keep(marked, try RecordBatchHeader(parsing: marked, at: 0))
                        case .keepEmpty:
                            let empty = RecordBatchCompactor.emptyBatch(like: header)
                            try keep(empty, try RecordBatchHeader(parsing: empty, at: 0))
                        case .remove: break
                        }
                        return
                    }
                    // Aborted data goes, but for the producer's last batch's header (its sequence).
                    if context.transactions.onDataBatch(header) {
                        if context.isProducersLastBatch(header) {
                            let empty = RecordBatchCompactor.emptyBatch(like: header)
                            try keep(empty, try RecordBatchHeader(parsing: empty, at: 0))
                        }
                        return
                    }
                    let deleteHorizonPassed = header.hasDeleteHorizon && now >= header.baseTimestamp
                    var retained = 0
                    let outcome = try RecordBatchCompactor.compact(
                        batch, newDeleteHorizonMs: context.newHorizon,
                        keepEmptyHeader: context.isProducersLastBatch(header)
                    ) { candidate in
                        let keep = Self.retains(candidate, map: map, deleteHorizonPassed: deleteHorizonPassed)
                        if keep { retained += 1 }
                        return keep
                    }
                    result.recordsRetained += retained
                    switch outcome {
                    case .unchanged: try keep(batch, header)
                    case .rewritten(let rewritten):
                        try keep(rewritten, try RecordBatchHeader(parsing: rewritten, at: 0))
                    case .removed: break
                    }
                }
            }
            try flushPending()
            try segment.becomeInactive()
            let aborted = context.transactions.takeIndexEntries()
            try writeCleanedTransactionIndex(aborted, base: base)
            return (segment, earliestHorizon, aborted)
        } catch {
            discardCleaned(segment)
            throw error
        }
    }

    /// The aborted transactions whose ABORT marker the group keeps together with batches of them
    /// (Kafka's cleaned index), in one `.txnindex.cleaned`, fsynced; none, no file.
    private func writeCleanedTransactionIndex(_ entries: [AbortedTransaction], base: Int64) throws {
        guard !entries.isEmpty else { return }
        let path = cleanedPath(base, TransactionIndex.suffix, CleanerFileNames.cleanedSuffix)
        try io.removeItem(atPath: path)
        try TransactionIndex.append(
            entries, directory: directory, baseOffset: base, io: io, pathSuffix: CleanerFileNames.cleanedSuffix)
        let file = try io.openFile(atPath: path, create: false)
        defer { try? file.close() }
        try file.fsync()
    }

    /// Kafka's rule: a record stays if it is the latest of its key in the map (or the map has not
    /// seen its key) and it has a value or its delete horizon has not passed. Records without a
    /// key cannot be compacted and are dropped.
    static func retains(_ candidate: CompactionCandidate, map: OffsetMap, deleteHorizonPassed: Bool) -> Bool {
        if candidate.offset > map.latestOffset { return true }
        guard let key = candidate.key else { return false }
        if let latest = map.latestOffset(of: key), candidate.offset < latest { return false }
        return !candidate.isTombstone || !deleteHorizonPassed
    }

    private func cleanedPath(_ base: Int64, _ suffix: String, _ state: String) -> String {
        SegmentFileNames.path(directory: directory, baseOffset: base, suffix: suffix) + state
    }

    private func discardCleaned(_ segment: LogSegment) {
        try? segment.close()
        for suffix in CleanerFileNames.segmentSuffixes {
            for state in [CleanerFileNames.cleanedSuffix, CleanerFileNames.swapSuffix] {
                try? io.removeItem(atPath: cleanedPath(segment.baseOffset, suffix, state))
            }
        }
    }

    /// Replaces `group` by `cleaned`, under the log's lock so that readers and retention see
    /// either the old segments or the new one, and the group's aborted transactions by `aborted`
    /// (those of the cleaned `.txnindex`). If the group is no longer in the log (retention or
    /// DeleteRecords removed part of it meanwhile) the cleaned files are discarded.
    ///
    /// Order, for crash safety: `.cleaned` → `.swap` (indexes first, the `.log` last: the commit
    /// point), remove the old segments, `.swap` → plain names. `completeInterruptedSwaps` finishes
    /// or discards whatever a crash left.
    func swapIn(_ cleaned: LogSegment, replacing group: [LogSegment], aborted: [AbortedTransaction]) throws {
        var doomed: [String] = []
        defer { for path in doomed { try? io.removeItem(atPath: path) } }
        try lock.withLock {
            guard !isClosed, !isDeleted, let first = segments.firstIndex(where: { $0 === group[0] }),
                first + group.count < segments.count,
                zip(segments[first..<(first + group.count)], group).allSatisfy({ $0 === $1 })
            else {
                discardCleaned(cleaned)
                logger.info(
                    "cleaned segments discarded: the log changed meanwhile", metadata: ["directory": "\(directory)"])
                return
            }
            let base = cleaned.baseOffset
            for suffix in CleanerFileNames.segmentSuffixes
            where io.fileExists(atPath: cleanedPath(base, suffix, CleanerFileNames.cleanedSuffix)) {
                try io.moveItem(
                    atPath: cleanedPath(base, suffix, CleanerFileNames.cleanedSuffix),
                    toPath: cleanedPath(base, suffix, CleanerFileNames.swapSuffix))
            }
            try io.syncDirectory(atPath: directory)
            for old in group {
                try? old.close()
                try io.removeItem(atPath: ProducerStateSnapshot.path(directory: directory, offset: old.baseOffset))
                for suffix in CleanerFileNames.segmentSuffixes {
                    let path = SegmentFileNames.path(directory: directory, baseOffset: old.baseOffset, suffix: suffix)
                    guard io.fileExists(atPath: path) else { continue }
                    try io.moveItem(atPath: path, toPath: path + CleanerFileNames.deletedSuffix)
                    doomed.append(path + CleanerFileNames.deletedSuffix)
                }
            }
            for suffix in CleanerFileNames.segmentSuffixes
            where io.fileExists(atPath: cleanedPath(base, suffix, CleanerFileNames.swapSuffix)) {
                try io.moveItem(
                    atPath: cleanedPath(base, suffix, CleanerFileNames.swapSuffix),
                    toPath: SegmentFileNames.path(directory: directory, baseOffset: base, suffix: suffix))
            }
            try io.syncDirectory(atPath: directory)
            let end = segments[first + group.count].baseOffset
            cleaned.nextOffset = end
            replaceAbortedTransactions(in: base..<end, with: aborted)
            segments.replaceSubrange(first..<(first + group.count), with: [cleaned])
            let replaced = Set(group.map(\.baseOffset))
            readPositions = readPositions.filter { !replaced.contains($0.value.segmentBase) }
        }
    }

    /// The in-memory aborted list (sorted by marker offset) takes the cleaned segment's entries for
    /// the markers in `range`, so that fetches, the next pass and a restart agree. Call with `lock` held.
    private func replaceAbortedTransactions(in range: Range<Int64>, with aborted: [AbortedTransaction]) {
        var entries = abortedTransactionsStorage.filter { !range.contains($0.lastOffset) }
        let insertAt = entries.firstIndex { $0.lastOffset >= range.upperBound } ?? entries.count
        entries.insert(contentsOf: aborted, at: insertAt)
        abortedTransactionsStorage = entries
    }

    /// At open, before segments are loaded: removes `.cleaned` files (a pass that had not
    /// committed) and completes every committed swap (a `.log.swap` file): the old segments it
    /// covers are removed and the swap files take the plain names.
    static func completeInterruptedSwaps(directory: String, io: any FileIO, logger: Logger) throws {
        let names = try io.listDirectory(atPath: directory)
        for name in names
        where name.hasSuffix(CleanerFileNames.cleanedSuffix) || name.hasSuffix(CleanerFileNames.deletedSuffix) {
            try io.removeItem(atPath: directory + "/" + name)
        }
        let logSwap = SegmentFileNames.logSuffix + CleanerFileNames.swapSuffix
        let swapBases = names.compactMap { name -> Int64? in
            guard name.hasSuffix(logSwap) else { return nil }
            return SegmentFileNames.baseOffset(ofLogFileName: String(name.dropLast(CleanerFileNames.swapSuffix.count)))
        }
        let segmentBases = names.compactMap(SegmentFileNames.baseOffset(ofLogFileName:))
        for base in swapBases {
            let swapPath = SegmentFileNames.path(directory: directory, baseOffset: base, suffix: logSwap)
            let swapFile = try io.openFile(atPath: swapPath, create: false)
            var reader = BatchHeaderReader(file: swapFile, fileEnd: try swapFile.size())
            var position: Int64 = 0
            var end = base
            while let header = try reader.header(at: position) {
                position += Int64(header.totalSize)
                end = header.lastOffset + 1
            }
            try swapFile.close()
            // The old segments the swap covers (at least the one at its own base offset).
            for old in segmentBases where old == base || (old > base && old < end) {
                for suffix in CleanerFileNames.segmentSuffixes {
                    try io.removeItem(
                        atPath: SegmentFileNames.path(directory: directory, baseOffset: old, suffix: suffix))
                }
            }
            for suffix in CleanerFileNames.segmentSuffixes {
                let from = SegmentFileNames.path(
                    directory: directory, baseOffset: base, suffix: suffix + CleanerFileNames.swapSuffix)
                if io.fileExists(atPath: from) {
                    try io.moveItem(
                        atPath: from,
                        toPath: SegmentFileNames.path(directory: directory, baseOffset: base, suffix: suffix))
                }
            }
            logger.warning(
                "completed an interrupted segment swap", metadata: ["directory": "\(directory)", "base": "\(base)"])
        }
        // Index swap files without their log swap belong to no committed swap.
        for name in try io.listDirectory(atPath: directory) where name.hasSuffix(CleanerFileNames.swapSuffix) {
            try io.removeItem(atPath: directory + "/" + name)
        }
        try io.syncDirectory(atPath: directory)
    }
}
