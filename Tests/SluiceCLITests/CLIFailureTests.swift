import KafkaProtocol
import Testing

@testable import SluiceCLI

@Suite struct CLIFailureTests {
    @Test func kafkaErrorsShowTheirNameAndAHint() {
        let failure = CLIFailure.kafka(.unknownTopicOrPartition, context: "topic nope")
        #expect(failure.exitCode == 1)
        #expect(failure.rendered.hasPrefix("error: UNKNOWN_TOPIC_OR_PARTITION: topic nope\nhint: "))
        #expect(failure.rendered.contains("sluice topic create"))
    }

    @Test func exitCodesFollowSysexits() {
        #expect(CLIFailure.unreachable(bootstrap: "x:1").exitCode == 69)
        #expect(CLIFailure.badInput("x").exitCode == 65)
        #expect(CLIFailure.noInput(path: "/x").exitCode == 66)
        #expect(CLIFailure.timedOut("x").exitCode == 75)
    }

    @Test func retriableErrorsWithoutAHintOfTheirOwnSayTryAgain() {
        #expect(CLIFailure.hint(for: .leaderNotAvailable) == "this error is temporary; try again.")
        #expect(CLIFailure.hint(for: .invalidRequiredAcks) == nil)
    }
}
