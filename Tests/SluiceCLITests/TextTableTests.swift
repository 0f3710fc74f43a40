import Testing

@testable import SluiceCLI

@Suite struct TextTableTests {
    @Test func columnsAreAlignedAndNumbersRightAligned() {
        let table = TextTable(headers: ["TOPIC", "PARTITIONS"], rows: [["events", "3"], ["a", "12"]])
        #expect(
            table.render() == """
                TOPIC   PARTITIONS
                ------  ----------
                events           3
                a               12

                """)
    }

    @Test func emptyTableSaysNone() {
        #expect(TextTable(headers: ["GROUP"]).render() == "GROUP\n-----\n(none)\n")
    }

    @Test func shortRowsArePaddedNotCrashing() {
        let text = TextTable(headers: ["A", "B"], rows: [["x"]]).render()
        #expect(text.hasSuffix("x\n"))
    }
}

@Suite struct ClientOptionsTests {
    @Test func bootstrapComesFromTheEnvironmentWhenSet() {
        #expect(ClientOptions.defaultBootstrap(environment: [:]) == "127.0.0.1:9092")
        #expect(ClientOptions.defaultBootstrap(environment: ["SLUICE_BOOTSTRAP": "  "]) == "127.0.0.1:9092")
        #expect(ClientOptions.defaultBootstrap(environment: ["SLUICE_BOOTSTRAP": "h:1"]) == "h:1")
    }

    @Test func badBootstrapAndTimeoutAreRejected() throws {
        #expect(throws: (any Error).self) { try ClientOptions.parse(["--bootstrap", "nohost"]) }
        #expect(throws: (any Error).self) { try ClientOptions.parse(["--timeout", "0"]) }
        let ok = try ClientOptions.parse(["-b", "127.0.0.1:1,[::1]:2", "-o", "json"])
        #expect(ok.output == .json)
    }
}
