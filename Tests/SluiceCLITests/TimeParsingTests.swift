import Testing

@testable import SluiceCLI

@Suite struct TimeParsingTests {
    @Test func millisAndIso8601() {
        #expect(parseTimestampMillis("1700000000000") == 1_700_000_000_000)
        #expect(parseTimestampMillis("2023-11-14T22:13:20Z") == 1_700_000_000_000)
        #expect(parseTimestampMillis("2023-11-14T23:13:20.250+01:00") == 1_700_000_000_250)
    }

    @Test func anythingElseIsNil() {
        #expect(parseTimestampMillis("yesterday") == nil)
        #expect(parseTimestampMillis("-5") == nil)
        #expect(parseTimestampMillis("2023-11-14") == nil)
    }
}
