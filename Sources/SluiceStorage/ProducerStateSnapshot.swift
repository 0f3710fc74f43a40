import KafkaRecords
import NIOCore

/// The producer-state snapshot file: `<20-digit offset>.snapshot` holds the state of every
/// producer after all batches below that offset. Written on each segment roll and on close; at
/// open the newest readable one is loaded and the log after it replayed.
///
/// Layout (big-endian):
///
/// | bytes | field |
/// |---|---|
/// | 0..<4 | magic `SPS2` (0x53505332); `SPS1` files (no open-transaction field) are still read |
/// | 4..<8 | CRC-32C of everything from byte 8 on |
/// | 8..<12 | producer count (Int32) |
/// | per producer | producerId Int64, epoch Int16, lastTimestamp Int64, first offset of the open transaction Int64 (-1 for none; SPS2 only), batch count Int8, then per batch (oldest first) firstSequence Int32, lastSequence Int32, lastOffset Int64, offsetDelta Int32, maxTimestamp Int64 |
enum ProducerStateSnapshot {
    static let suffix = ".snapshot"
    static let magic: UInt32 = 0x5350_5332
    /// Snapshots written before transactions; read as having no open transaction.
    static let magicWithoutTransactions: UInt32 = 0x5350_5331

    static func path(directory: String, offset: Int64) -> String {
        SegmentFileNames.path(directory: directory, baseOffset: offset, suffix: suffix)
    }

    /// The offset of a snapshot file name, or nil for any other name.
    static func offset(ofFileName name: String) -> Int64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(stem)
    }

    /// Offsets of the snapshots in `directory`, ascending.
    static func offsets(in directory: String, io: any FileIO) throws -> [Int64] {
        try io.listDirectory(atPath: directory).compactMap(offset(ofFileName:)).sorted()
    }

    static func encode(_ state: ProducerStateManager) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(Int32(state.entries.count))
        for entry in state.entries.values.sorted(by: { $0.producerId < $1.producerId }) {
            body.writeInteger(entry.producerId)
            body.writeInteger(entry.epoch)
            body.writeInteger(entry.lastTimestamp)
            body.writeInteger(entry.currentTxnFirstOffset ?? -1)
            body.writeInteger(Int8(entry.batches.count))
            for batch in entry.batches {
                body.writeInteger(batch.firstSequence)
                body.writeInteger(batch.lastSequence)
                body.writeInteger(batch.lastOffset)
                body.writeInteger(batch.offsetDelta)
                body.writeInteger(batch.maxTimestamp)
            }
        }
        var file = ByteBuffer()
        file.writeInteger(magic)
        file.writeInteger(CRC32C.checksum(body))
        file.writeBuffer(&body)
        return file
    }

    /// The state in `bytes`, or nil when the bytes are not a whole, intact snapshot.
    static func decode(_ bytes: ByteBuffer) -> ProducerStateManager? {
        var bytes = bytes
        let fileMagic = bytes.readInteger(as: UInt32.self)
        let hasTransactions = fileMagic == magic
        guard hasTransactions || fileMagic == magicWithoutTransactions, let crc = bytes.readInteger(as: UInt32.self),
            CRC32C.checksum(bytes) == crc, let count = bytes.readInteger(as: Int32.self), count >= 0
        else { return nil }
        var entries: [Int64: ProducerStateEntry] = [:]
        for _ in 0..<count {
            guard let producerId = bytes.readInteger(as: Int64.self), let epoch = bytes.readInteger(as: Int16.self),
                let lastTimestamp = bytes.readInteger(as: Int64.self),
                let txnFirstOffset = hasTransactions ? bytes.readInteger(as: Int64.self) : -1,
                let batchCount = bytes.readInteger(as: Int8.self), batchCount >= 0
            else { return nil }
            var batches: [ProducerBatchMetadata] = []
            for _ in 0..<batchCount {
                guard let first = bytes.readInteger(as: Int32.self), let last = bytes.readInteger(as: Int32.self),
                    let lastOffset = bytes.readInteger(as: Int64.self), let delta = bytes.readInteger(as: Int32.self),
                    let maxTimestamp = bytes.readInteger(as: Int64.self)
                else { return nil }
                batches.append(
                    ProducerBatchMetadata(
                        firstSequence: first, lastSequence: last, lastOffset: lastOffset, offsetDelta: delta,
                        maxTimestamp: maxTimestamp))
            }
            entries[producerId] = ProducerStateEntry(
                producerId: producerId, epoch: epoch, batches: batches, lastTimestamp: lastTimestamp,
                currentTxnFirstOffset: txnFirstOffset >= 0 ? txnFirstOffset : nil)
        }
        guard bytes.readableBytes == 0 else { return nil }
        return ProducerStateManager(entries: entries)
    }

    /// Suffix of a snapshot being written durably; such files are left only by a crash.
    static let temporarySuffix = suffix + ".tmp"

    /// Writes the snapshot of `state` at `offset`. A `durable` one goes to a temporary file that is
    /// fsynced and renamed; another is written in place, which costs fewer system calls. A
    /// snapshot torn by a crash fails its CRC and is skipped at open.
    static func write(
        _ state: ProducerStateManager, directory: String, offset: Int64, durable: Bool = true, io: any FileIO
    ) throws {
        let target = path(directory: directory, offset: offset)
        let written = durable ? target + ".tmp" : target
        let file = try io.openFile(atPath: written, create: true)
        do {
            try file.truncate(to: 0)
            try file.pwrite(encode(state), at: 0)
            if durable { try file.fsync() }
            try file.close()
        } catch {
            try? file.close()
            try? io.removeItem(atPath: written)
            throw error
        }
        if durable { try io.moveItem(atPath: written, toPath: target) }
    }

    /// The state in the snapshot at `offset`, or nil when it is missing or unreadable.
    static func read(directory: String, offset: Int64, io: any FileIO) -> ProducerStateManager? {
        guard let file = try? io.openFile(atPath: path(directory: directory, offset: offset), create: false) else {
            return nil
        }
        defer { try? file.close() }
        guard let size = try? file.size(), size <= Int64(Int32.max),
            let bytes = try? file.read(at: 0, count: Int(size))
        else { return nil }
        return decode(bytes)
    }
}
