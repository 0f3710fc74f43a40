import Foundation
import Testing

@testable import SluiceCLI

@Suite struct LineReaderTests {
    func lines(of text: String) throws -> [String] {
        let path = NSTemporaryDirectory() + "linereader-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var reader = LineReader(fileDescriptor: fd)
        var out: [String] = []
        while let line = try reader.next() { out.append(String(line)) }
        #expect(reader.bytesRead == text.utf8.count)
        return out
    }

    @Test func splitsOnNewlinesAndDropsCarriageReturns() throws {
        #expect(try lines(of: "a\nbb\r\n\nccc") == ["a", "bb", "", "ccc"])
        #expect(try lines(of: "x\n") == ["x"])
        #expect(try lines(of: "") == [])
    }

    @Test func linesLongerThanOneChunkStayWhole() throws {
        let long = String(repeating: "y", count: 200_000)
        #expect(try lines(of: "\(long)\nshort\n") == [long, "short"])
    }
}
