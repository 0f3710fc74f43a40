import Testing

@testable import SluiceCLI

@Suite struct FormatTemplateTests {
    let record = ConsumedRecordView(
        topic: "t", partition: 2, offset: 41, timestamp: 1_700_000_000_000, key: Array("k1".utf8),
        value: Array("hello".utf8), headers: [(key: "h", value: Array("v".utf8)), (key: "n", value: nil)])

    @Test func everyTokenRenders() throws {
        let template = try FormatTemplate("%t/%p@%o %k=%s (%K,%S) %T [%h] 100%%\\n")
        #expect(template.render(record) == "t/2@41 k1=hello (2,5) 1700000000000 [h=v,n=] 100%\n")
    }

    @Test func nullKeyIsEmptyWithLengthMinusOne() throws {
        var r = record
        r.key = nil
        #expect(try FormatTemplate("[%k]%K").render(r) == "[]-1")
    }

    @Test func unknownTokensAndEscapesAreBadInput() {
        #expect(throws: CLIFailure.self) { try FormatTemplate("%x") }
        #expect(throws: CLIFailure.self) { try FormatTemplate("abc%") }
        #expect(throws: CLIFailure.self) { try FormatTemplate("\\q") }
    }

    @Test func jsonKeepsTextAndBase64sBinary() throws {
        var r = record
        r.value = [0xff, 0x00, 0x01]
        let line = try JSONOutput.line(ConsumedRecordJSON(r))
        #expect(line.contains("\"value\":\"/wAB\""))
        #expect(line.contains("\"value_encoding\":\"base64\""))
        #expect(line.contains("\"key\":\"k1\""))
        #expect(line.contains("{\"key\":\"n\"}") || line.contains("{\"key\":\"n\",\"value\":null}"))
    }
}
