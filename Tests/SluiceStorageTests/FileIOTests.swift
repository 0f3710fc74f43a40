import NIOCore
import Testing

@testable import SluiceStorage

@Suite("FileIO implementations")
struct FileIOTests {
    @Test(arguments: Backend.allCases)
    func positionalReadsAndWrites(backend: Backend) throws {
        let fixture = Fixture(backend)
        let io = fixture.counting.inner
        let path = fixture.root + "/file"
        #expect(!io.fileExists(atPath: path))
        #expect(throws: (any Error).self) { try io.openFile(atPath: path, create: false) }
        let file = try io.openFile(atPath: path, create: true)
        try file.pwrite(ByteBuffer(bytes: [1, 2, 3, 4]), at: 0)
        try [UInt8]([9, 9]).withUnsafeBytes { try file.pwrite(bytes: $0, at: 6) }
        #expect(try file.size() == 8)
        var buffer = ByteBuffer()
        #expect(try file.pread(into: &buffer, count: 100, at: 2) == 6)
        #expect(Array(buffer.readableBytesView) == [3, 4, 0, 0, 9, 9])
        try file.truncate(to: 3)
        #expect(try file.size() == 3)
        try file.fsync()
        try file.close()
        #expect(throws: StorageError.closed) { try file.fsync() }
        #expect(try io.listDirectory(atPath: fixture.root).contains("file"))
    }

    @Test(arguments: Backend.allCases)
    func gatheringWriteOfManyParts(backend: Backend) throws {
        let fixture = Fixture(backend)
        let io = fixture.counting.inner
        let file = try io.openFile(atPath: fixture.root + "/gathered", create: true)
        // More parts than one pwritev takes (IOV_MAX), of varying sizes, some empty.
        let parts = (0..<2_500).map { index in
            ByteBuffer(bytes: [UInt8](repeating: UInt8(index % 251), count: index % 5))
        }
        try file.pwrite(gathering: parts, at: 10)
        let expected = parts.flatMap { Array($0.readableBytesView) }
        let read = try file.read(at: 10, count: expected.count + 10)
        #expect(Array(read.readableBytesView) == expected)
        let payload = try file.slice(offset: 12, count: 7)
        #expect(Array(payload.allBytes.readableBytesView) == Array(expected[2..<9]))
    }

    @Test(arguments: Backend.allCases)
    func directoriesRenameAndRemove(backend: Backend) throws {
        let fixture = Fixture(backend)
        let io = fixture.counting.inner
        try io.createDirectory(atPath: fixture.root + "/a/b")
        _ = try io.openFile(atPath: fixture.root + "/a/b/f", create: true)
        try io.moveItem(atPath: fixture.root + "/a", toPath: fixture.root + "/c")
        #expect(io.fileExists(atPath: fixture.root + "/c/b/f"))
        #expect(!io.fileExists(atPath: fixture.root + "/a"))
        try io.removeItem(atPath: fixture.root + "/c")
        #expect(!io.fileExists(atPath: fixture.root + "/c/b/f"))
        #expect(!io.fileExists(atPath: fixture.root + "/c"))
        try io.removeItem(atPath: fixture.root + "/never-existed")
    }

    @Test
    func memoryCrashKeepsDurableBytesAndTornTail() throws {
        let memory = MemoryFileIO()
        try memory.createDirectory(atPath: "/d")
        let file = try memory.openFile(atPath: "/d/f", create: true)
        try file.pwrite(ByteBuffer(bytes: [1, 2, 3]), at: 0)
        try file.fsync()
        try file.pwrite(ByteBuffer(bytes: [4, 5, 6, 7]), at: 3)
        memory.crash(tornTailBytes: 2)
        #expect(throws: StorageError.closed) { try file.size() }
        #expect(memory.contents(atPath: "/d/f") == [1, 2, 3, 4, 5])
        // What survived a crash is on the platter: a second crash keeps it.
        memory.crash()
        #expect(memory.contents(atPath: "/d/f") == [1, 2, 3, 4, 5])
    }

    @Test
    func memoryWriteFailureWritesWhatFitsFirst() throws {
        let memory = MemoryFileIO()
        try memory.createDirectory(atPath: "/d")
        let file = try memory.openFile(atPath: "/d/f", create: true)
        memory.failWrites(afterBytes: 3, with: .noSpace)
        #expect(throws: StorageError.noSpace) { try file.pwrite(ByteBuffer(bytes: [1, 2, 3, 4, 5]), at: 0) }
        #expect(memory.contents(atPath: "/d/f") == [1, 2, 3])
        #expect(throws: StorageError.noSpace) { try file.pwrite(ByteBuffer(bytes: [6]), at: 3) }
        memory.allowWrites()
        try file.pwrite(ByteBuffer(bytes: [6]), at: 3)
        memory.failNextFsync()
        #expect(throws: StorageError.io(5)) { try file.fsync() }
        try file.fsync()
    }
}
