import Logging
import NIOConcurrencyHelpers

/// All partition logs of a broker, one directory each (`<data dir>/<topic>-<partition>`), plus
/// the `.clean-shutdown` marker that tells the next start it may skip recovery.
public final class LogManager: @unchecked Sendable {
    static let cleanShutdownMarker = ".clean-shutdown"
    static let deletedSuffix = "-delete"

    public let dataDirectory: String
    /// Whether the previous run ended with `shutdown()`. The marker is removed at start, so a
    /// crash during this run makes the next start recover.
    public let wasCleanShutdown: Bool
    /// The group-commit thread shared by every log of this manager.
    public let flusher: Flusher
    private let io: any FileIO
    private let logger: Logger
    private let lock = NIOLock()
    private var logs: [String: PartitionLog] = [:]  // guarded by `lock`, keyed by directory name

    /// Creates the data directory if needed and consumes the clean-shutdown marker.
    public init(dataDirectory: String, io: any FileIO, logger: Logger) throws {
        self.dataDirectory = dataDirectory
        self.io = io
        self.logger = logger
        try io.createDirectory(atPath: dataDirectory)
        let marker = dataDirectory + "/" + Self.cleanShutdownMarker
        wasCleanShutdown = io.fileExists(atPath: marker)
        if wasCleanShutdown { try io.removeItem(atPath: marker) }
        flusher = Flusher(logger: logger)
    }

    /// `<topic>-<partition>`.
    static func directoryName(topic: String, partition: Int32) -> String {
        "\(topic)-\(partition)"
    }

    /// Splits a directory name at its last `-` into topic and partition; nil for other names.
    static func parseDirectoryName(_ name: String) -> (topic: String, partition: Int32)? {
        guard let dash = name.lastIndex(of: "-"), dash != name.startIndex else { return nil }
        guard let partition = Int32(name[name.index(after: dash)...]), partition >= 0 else { return nil }
        return (String(name[..<dash]), partition)
    }

    /// Opens every partition directory found in the data directory (recovering them unless the
    /// last shutdown was clean) and finishes deletions that a crash interrupted.
    public func loadExisting(config: (String, Int32) -> LogConfig) throws -> [PartitionLog] {
        var loaded: [PartitionLog] = []
        for name in try io.listDirectory(atPath: dataDirectory).sorted() {
            if name.hasSuffix(Self.deletedSuffix) {
                try io.removeItem(atPath: dataDirectory + "/" + name)
                continue
            }
            guard let (topic, partition) = Self.parseDirectoryName(name) else { continue }
            loaded.append(try openLog(topic: topic, partition: partition, config: config(topic, partition)))
        }
        return loaded
    }

    /// The log of a partition, created if it does not exist yet (idempotent).
    public func create(topic: String, partition: Int32, config: LogConfig) throws -> PartitionLog {
        try openLog(topic: topic, partition: partition, config: config)
    }

    private func openLog(topic: String, partition: Int32, config: LogConfig) throws -> PartitionLog {
        let name = Self.directoryName(topic: topic, partition: partition)
        return try lock.withLock {
            if let existing = logs[name] { return existing }
            let log = try PartitionLog.open(
                directory: dataDirectory + "/" + name, topic: topic, partition: partition, config: config, io: io,
                flusher: flusher, cleanShutdown: wasCleanShutdown, logger: logger)
            logs[name] = log
            return log
        }
    }

    /// The open log of a partition, if any.
    public func log(topic: String, partition: Int32) -> PartitionLog? {
        lock.withLock { logs[Self.directoryName(topic: topic, partition: partition)] }
    }

    /// All open logs.
    public var allLogs: [PartitionLog] {
        lock.withLock { Array(logs.values) }
    }

    /// Deletes every partition of `topic`: each directory is first renamed to
    /// `<name>.<random>-delete` (atomic, so a crash cannot leave half a partition that looks
    /// alive) and then removed.
    public func delete(topic: String) throws {
        let doomed: [(String, PartitionLog?)] = try lock.withLock {
            var doomed: [(String, PartitionLog?)] = []
            for name in try io.listDirectory(atPath: dataDirectory) {
                guard let parsed = Self.parseDirectoryName(name), parsed.topic == topic else { continue }
                doomed.append((name, logs.removeValue(forKey: name)))
            }
            return doomed
        }
        for (name, log) in doomed {
            try? log?.close()
            let hidden =
                "\(dataDirectory)/\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 16))\(Self.deletedSuffix)"
            try io.moveItem(atPath: dataDirectory + "/" + name, toPath: hidden)
            try io.removeItem(atPath: hidden)
            logger.info("deleted partition log", metadata: ["directory": "\(name)"])
        }
    }

    /// Retention and time-based rolling for every log; the broker calls it every few seconds.
    public func maintain(now: Int64) {
        for log in allLogs {
            do {
                _ = try log.enforceRetention(now: now)
                try log.rollIfDue(now: now)
            } catch StorageError.closed, StorageError.logDeleted {
                continue
            } catch {
                logger.error(
                    "log maintenance failed", metadata: ["directory": "\(log.directory)", "error": "\(error)"])
            }
        }
    }

    /// Flushes and closes every log, stops the flusher, and writes the clean-shutdown marker.
    public func shutdown() throws {
        let all = lock.withLock {
            defer { logs.removeAll() }
            return Array(logs.values)
        }
        for log in all { try log.close() }
        flusher.shutdown()
        try io.syncDirectory(atPath: dataDirectory)
        let marker = try io.openFile(atPath: dataDirectory + "/" + Self.cleanShutdownMarker, create: true)
        try marker.fsync()
        try marker.close()
        try io.syncDirectory(atPath: dataDirectory)
    }
}
