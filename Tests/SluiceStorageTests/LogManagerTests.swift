import Testing

@testable import SluiceStorage

@Suite("LogManager")
struct LogManagerTests {
    @Test
    func parsesDirectoryNamesAtTheLastDash() {
        #expect(LogManager.parseDirectoryName("orders-3")! == (topic: "orders", partition: 3))
        #expect(LogManager.parseDirectoryName("my-topic-12")! == (topic: "my-topic", partition: 12))
        #expect(LogManager.parseDirectoryName("meta") == nil)
        #expect(LogManager.parseDirectoryName("orders-x") == nil)
        #expect(LogManager.parseDirectoryName(".clean-shutdown") == nil)
        #expect(LogManager.parseDirectoryName("-3") == nil)
        #expect(LogManager.parseDirectoryName(".hidden-topic-0")! == (topic: ".hidden-topic", partition: 0))
    }

    @Test(arguments: Backend.allCases)
    func createIsIdempotentAndLogsAreFound(backend: Backend) throws {
        let fixture = Fixture(backend)
        let manager = try LogManager(dataDirectory: fixture.root + "/data", io: fixture.io, logger: quietLogger)
        defer { try? manager.shutdown() }
        #expect(!manager.wasCleanShutdown)
        let log = try manager.create(topic: "my-topic", partition: 0, config: LogConfig())
        #expect(try manager.create(topic: "my-topic", partition: 0, config: LogConfig()) === log)
        #expect(manager.log(topic: "my-topic", partition: 0) === log)
        #expect(manager.log(topic: "my-topic", partition: 1) == nil)
        #expect(log.directory == fixture.root + "/data/my-topic-0")
        #expect(fixture.io.fileExists(atPath: fixture.root + "/data/my-topic-0/00000000000000000000.log"))
    }

    @Test(arguments: Backend.allCases)
    func shutdownMarkerAndLoadExisting(backend: Backend) throws {
        let fixture = Fixture(backend)
        let data = fixture.root + "/data"
        let first = try LogManager(dataDirectory: data, io: fixture.io, logger: quietLogger)
        for partition in Int32(0)..<3 {
            let log = try first.create(topic: "a-b", partition: partition, config: LogConfig())
            for _ in 0...partition { _ = try log.append(makeBatch(records: 2), batchCount: 1, now: 0) }
        }
        _ = try first.create(topic: "other", partition: 0, config: LogConfig())
        try fixture.io.createDirectory(atPath: data + "/meta")
        try first.shutdown()
        #expect(fixture.io.fileExists(atPath: data + "/.clean-shutdown"))

        let second = try LogManager(dataDirectory: data, io: fixture.io, logger: quietLogger)
        #expect(second.wasCleanShutdown)
        #expect(!fixture.io.fileExists(atPath: data + "/.clean-shutdown"))
        var configured: [String] = []
        let logs = try second.loadExisting { topic, partition in
            configured.append("\(topic)/\(partition)")
            return LogConfig()
        }
        #expect(configured.sorted() == ["a-b/0", "a-b/1", "a-b/2", "other/0"])
        #expect(logs.count == 4)
        #expect(second.log(topic: "a-b", partition: 2)?.logEndOffset == 6)
        #expect(second.log(topic: "a-b", partition: 0)?.logEndOffset == 2)
        #expect(second.log(topic: "other", partition: 0)?.logEndOffset == 0)

        // Without shutdown the next start is unclean.
        second.flusher.shutdown()
        let third = try LogManager(dataDirectory: data, io: fixture.io, logger: quietLogger)
        #expect(!third.wasCleanShutdown)
        #expect(try third.loadExisting { _, _ in LogConfig() }.count == 4)
        try third.shutdown()
    }

    @Test(arguments: Backend.allCases)
    func deleteRemovesEveryPartitionOfTheTopic(backend: Backend) throws {
        let fixture = Fixture(backend)
        let data = fixture.root + "/data"
        let manager = try LogManager(dataDirectory: data, io: fixture.io, logger: quietLogger)
        defer { try? manager.shutdown() }
        let doomed = try manager.create(topic: "gone", partition: 0, config: LogConfig())
        _ = try manager.create(topic: "gone", partition: 1, config: LogConfig())
        _ = try manager.create(topic: "kept", partition: 0, config: LogConfig())
        _ = try doomed.append(makeBatch(records: 1), batchCount: 1, now: 0)
        try manager.delete(topic: "gone")
        #expect(manager.log(topic: "gone", partition: 0) == nil)
        #expect(try fixture.io.listDirectory(atPath: data).sorted() == ["kept-0"])
        #expect(throws: StorageError.closed) { try doomed.read(from: 0, maxBytes: 10, minOneBatch: true) }
        // A recreated topic starts empty.
        #expect(try manager.create(topic: "gone", partition: 0, config: LogConfig()).logEndOffset == 0)
    }

    @Test(arguments: Backend.allCases)
    func leftoverDeletedDirectoriesAreRemovedOnLoad(backend: Backend) throws {
        let fixture = Fixture(backend)
        let data = fixture.root + "/data"
        try fixture.io.createDirectory(atPath: data + "/t-0.1f2e-delete")
        let manager = try LogManager(dataDirectory: data, io: fixture.io, logger: quietLogger)
        defer { try? manager.shutdown() }
        #expect(try manager.loadExisting { _, _ in LogConfig() }.isEmpty)
        #expect(!fixture.io.fileExists(atPath: data + "/t-0.1f2e-delete"))
    }

    @Test(arguments: Backend.allCases)
    func maintainAppliesRetentionAndRolls(backend: Backend) throws {
        let fixture = Fixture(backend)
        let manager = try LogManager(dataDirectory: fixture.root + "/data", io: fixture.io, logger: quietLogger)
        defer { try? manager.shutdown() }
        var config = LogConfig()
        config.segmentMs = 1_000
        config.retentionMs = 5_000
        let log = try manager.create(topic: "t", partition: 0, config: config)
        _ = try log.append(makeBatch(records: 2, timestamp: 1_000), batchCount: 1, now: 1_000)
        manager.maintain(now: 2_500)  // rolls: the segment is older than segment.ms
        #expect(log.segmentBaseOffsets == [0, 2])
        manager.maintain(now: 7_000)  // the old segment's records are older than retention.ms
        #expect(log.segmentBaseOffsets == [2])
        #expect(log.logStartOffset == 2)
    }
}
