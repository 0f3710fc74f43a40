import Testing

@testable import SluiceCLI

@Suite struct ProduceInputTests {
    @Test func plainLinesAreValues() throws {
        let parser = ProduceInputParser(mode: .lines(keySeparator: nil))
        #expect(try parser.parse(line: "a:b", lineNumber: 1) == InputRecord(value: Array("a:b".utf8)))
    }

    @Test func keySeparatorSplitsAtTheFirstOccurrence() throws {
        let parser = ProduceInputParser(mode: .lines(keySeparator: ":"))
        let r = try parser.parse(line: "user1:a:b", lineNumber: 1)
        #expect(r.key == Array("user1".utf8))
        #expect(r.value == Array("a:b".utf8))
        // No separator in the line: all value, null key (as kcat does).
        #expect(try parser.parse(line: "plain", lineNumber: 2).key == nil)
    }

    @Test func headersParseAndApplyToEveryRecord() throws {
        let headers = try ProduceInputParser.parseHeaders(["a=1", "b=", "c"])
        #expect(
            headers == [
                .init(key: "a", value: Array("1".utf8)), .init(key: "b", value: []), .init(key: "c", value: nil),
            ])
        #expect(throws: CLIFailure.self) { try ProduceInputParser.parseHeaders(["=x"]) }
        let parser = ProduceInputParser(mode: .lines(keySeparator: nil), headers: headers)
        #expect(try parser.parse(line: "v", lineNumber: 1).headers.count == 3)
    }

    @Test func jsonObjectsCarryKeyValueHeadersPartitionTimestamp() throws {
        let parser = ProduceInputParser(mode: .json)
        let r = try parser.parse(
            line: #"{"key":"k","value":{"n":1},"headers":{"x":"y","z":null},"partition":2,"timestamp":5}"#,
            lineNumber: 1)
        #expect(r.key == Array("k".utf8))
        #expect(r.value == Array(#"{"n":1}"#.utf8))
        #expect(r.headers == [.init(key: "x", value: Array("y".utf8)), .init(key: "z", value: nil)])
        #expect(r.partition == 2)
        #expect(r.timestamp == 5)
        #expect(try parser.parse(line: #"{"value":null}"#, lineNumber: 1).value == nil)
    }

    @Test func badJsonSaysWhichLine() {
        let parser = ProduceInputParser(mode: .json)
        for bad in [
            "not json", "[1]", #"{"valu":"x"}"#, #"{"partition":-1}"#, #"{"partition":"1"}"#, #"{"headers":[1]}"#,
        ] {
            #expect(throws: CLIFailure.self) { try parser.parse(line: Substring(bad), lineNumber: 7) }
        }
        do {
            _ = try parser.parse(line: "nope", lineNumber: 7)
        } catch let failure as CLIFailure {
            #expect(failure.message.contains("line 7"))
        } catch {}
    }
}
