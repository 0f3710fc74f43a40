import Foundation
import KafkaRecords
import KafkaWire
import Logging
import NIOConcurrencyHelpers
import NIOCore

@testable import SluiceStorage

/// Which file system a test runs against.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case disk
    case memory

    var description: String { rawValue }
}

let quietLogger = Logger(label: "sluice.storage.tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A file system plus a fresh directory on it; the directory of a disk fixture is removed at the end.
final class Fixture: @unchecked Sendable {
    let backend: Backend
    let memory: MemoryFileIO?
    let counting: CountingFileIO
    let root: String
    let flusher = Flusher(logger: quietLogger)

    /// The file system tests pass to the engine (counts reads and fsyncs of the real one).
    var io: any FileIO { counting }

    init(_ backend: Backend) {
        self.backend = backend
        switch backend {
        case .disk:
            var template = Array((NSTemporaryDirectory() + "/sluice-storage-XXXXXX").utf8CString)
            let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
            root = path
            memory = nil
            counting = CountingFileIO(DiskFileIO())
        case .memory:
            root = "/data"
            let memory = MemoryFileIO()
            try! memory.createDirectory(atPath: root)
            self.memory = memory
            counting = CountingFileIO(memory)
        }
    }

    deinit {
        flusher.shutdown()
        if backend == .disk { try? DiskFileIO().removeItem(atPath: root) }
    }

    var logDirectory: String { root + "/topic-0" }

    func openLog(config: LogConfig = LogConfig(), cleanShutdown: Bool = true) throws -> PartitionLog {
        try PartitionLog.open(
            directory: logDirectory, topic: "topic", partition: 0, config: config, io: io, flusher: flusher,
            cleanShutdown: cleanShutdown, logger: quietLogger)
    }

    /// Path of a segment file of the test log.
    func segmentPath(_ baseOffset: Int64, _ suffix: String) -> String {
        logDirectory + "/" + String(repeating: "0", count: 20 - String(baseOffset).count) + String(baseOffset) + suffix
    }

    /// Raw bytes of a file, on either backend.
    func fileBytes(_ path: String) throws -> [UInt8] {
        let file = try io.openFile(atPath: path, create: false)
        defer { try? file.close() }
        var buffer = try file.read(at: 0, count: Int(try file.size()))
        return buffer.readBytes(length: buffer.readableBytes)!
    }

    /// Replaces the bytes of a file, on either backend.
    func setFileBytes(_ path: String, _ bytes: [UInt8]) throws {
        let file = try io.openFile(atPath: path, create: true)
        defer { try? file.close() }
        try file.truncate(to: 0)
        try bytes.withUnsafeBytes { try file.pwrite(bytes: $0, at: 0) }
        try file.fsync()
    }
}

/// Wraps a FileIO and counts bytes read and fsyncs through it.
final class CountingFileIO: FileIO, @unchecked Sendable {
    let inner: any FileIO
    private let counters = NIOLockedValueBox((bytesRead: 0, fsyncs: 0))
    /// Bytes writes may still put down before failing with `noSpace` (nil: no limit).
    let writeBudget = NIOLockedValueBox<Int?>(nil)
    /// Microseconds every fsync takes extra, to make fsyncs as slow as a real disk's.
    let fsyncDelayMicroseconds = NIOLockedValueBox<UInt32>(0)

    init(_ inner: any FileIO) { self.inner = inner }

    var bytesRead: Int { counters.withLockedValue { $0.bytesRead } }
    var fsyncs: Int { counters.withLockedValue { $0.fsyncs } }
    func resetCounters() { counters.withLockedValue { $0 = (0, 0) } }
    func countRead(_ bytes: Int) { counters.withLockedValue { $0.bytesRead += bytes } }
    func countFsync() { counters.withLockedValue { $0.fsyncs += 1 } }

    func openFile(atPath path: String, create: Bool) throws -> any FileHandleIO {
        CountingFileHandle(try inner.openFile(atPath: path, create: create), owner: self)
    }
    func listDirectory(atPath path: String) throws -> [String] { try inner.listDirectory(atPath: path) }
    func createDirectory(atPath path: String) throws { try inner.createDirectory(atPath: path) }
    func syncDirectory(atPath path: String) throws { try inner.syncDirectory(atPath: path) }
    func fileExists(atPath path: String) -> Bool { inner.fileExists(atPath: path) }
    func removeItem(atPath path: String) throws { try inner.removeItem(atPath: path) }
    func moveItem(atPath source: String, toPath destination: String) throws {
        try inner.moveItem(atPath: source, toPath: destination)
    }
}

final class CountingFileHandle: FileHandleIO, @unchecked Sendable {
    let inner: any FileHandleIO
    let owner: CountingFileIO

    init(_ inner: any FileHandleIO, owner: CountingFileIO) {
        self.inner = inner
        self.owner = owner
    }

    func pwrite(_ buffer: ByteBuffer, at offset: Int64) throws { try pwrite(gathering: [buffer], at: offset) }
    func pwrite(bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        try pwrite(gathering: [ByteBuffer(bytes: bytes)], at: offset)
    }
    /// Passes writes through; with a write budget, writes what fits and then fails like a full disk.
    func pwrite(gathering parts: [ByteBuffer], at offset: Int64) throws {
        let total = parts.reduce(0) { $0 + $1.readableBytes }
        let allowed = owner.writeBudget.withLockedValue { budget -> Int in
            guard let left = budget else { return total }
            budget = max(0, left - total)
            return min(left, total)
        }
        guard allowed < total else { return try inner.pwrite(gathering: parts, at: offset) }
        var fitting: [ByteBuffer] = []
        var remaining = allowed
        for part in parts where remaining > 0 {
            fitting.append(part.getSlice(at: part.readerIndex, length: min(remaining, part.readableBytes))!)
            remaining -= fitting.last!.readableBytes
        }
        try inner.pwrite(gathering: fitting, at: offset)
        throw StorageError.noSpace
    }
    func pread(into buffer: inout ByteBuffer, count: Int, at offset: Int64) throws -> Int {
        let read = try inner.pread(into: &buffer, count: count, at: offset)
        owner.countRead(read)
        return read
    }
    func slice(offset: Int64, count: Int) throws -> RecordsPayload { try inner.slice(offset: offset, count: count) }
    func size() throws -> Int64 { try inner.size() }
    func truncate(to size: Int64) throws { try inner.truncate(to: size) }
    func fsync() throws {
        owner.countFsync()
        let delay = owner.fsyncDelayMicroseconds.withLockedValue { $0 }
        if delay > 0 { usleep(delay) }
        try inner.fsync()
    }
    func close() throws { try inner.close() }
}

/// A v2 batch of `records` records with `valueSize`-byte values, timestamps `timestamp`, `timestamp + 1`, ...
func makeBatch(records: Int, valueSize: Int = 100, timestamp: Int64 = 1_000, seed: UInt8 = 0) -> ByteBuffer {
    var builder = RecordBatchBuilder(baseOffset: 0, baseTimestamp: timestamp)
    for index in 0..<records {
        let value = ByteBuffer(bytes: (0..<valueSize).map { UInt8(truncatingIfNeeded: $0 &+ index &+ Int(seed)) })
        builder.append(key: nil, value: value, headers: [], timestamp: timestamp + Int64(index))
    }
    return builder.build()
}

/// Several batches back to back, as the broker hands them to `append`.
func concatenate(_ batches: [ByteBuffer]) -> ByteBuffer {
    var all = ByteBuffer()
    for var batch in batches { all.writeBuffer(&batch) }
    return all
}

extension RecordsPayload {
    /// The payload's bytes, whichever kind it is.
    var allBytes: ByteBuffer {
        switch self {
        case .bytes(let buffer): return buffer
        case .file(let slice): return slice.readAll()!
        }
    }
}

/// Base and last offsets of the batches in `buffer`, checking each batch's CRC.
func batchOffsets(_ buffer: ByteBuffer) throws -> [(base: Int64, last: Int64)] {
    var result: [(Int64, Int64)] = []
    var position = buffer.readerIndex
    while position < buffer.writerIndex {
        let header = try RecordBatchHeader(parsing: buffer, at: position)
        let covered = buffer.getSlice(
            at: position + RecordBatchLayout.crcCoveredFrom, length: header.totalSize - RecordBatchLayout.crcCoveredFrom
        )!
        guard CRC32C.checksum(covered) == header.crc else { throw StorageError.corrupt("bad CRC at \(position)") }
        result.append((header.baseOffset, header.lastOffset))
        position += header.totalSize
    }
    return result
}

/// Reads the whole log from `offset` to its end, batch run by batch run.
func readAll(_ log: PartitionLog, from offset: Int64 = 0) throws -> [(base: Int64, last: Int64)] {
    var result: [(base: Int64, last: Int64)] = []
    var next = offset
    while next < log.logEndOffset {
        let read = try log.read(from: next, maxBytes: 1 << 20, minOneBatch: true)
        let batches = try batchOffsets(read.records!.allBytes)
        result += batches
        next = batches.last!.last + 1
    }
    return result
}
