import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// An acks=all produce response waiting for the fsyncs of its partitions: each flush callback
/// reports in (from the flusher thread or at once), and the last one completes the promise.
/// A failed fsync turns that partition's answer into the storage error.
final class DurableProduce: Sendable {
    private let state: NIOLockedValueBox<(response: ProduceResponse, remaining: Int)>
    private let promise: EventLoopPromise<ProduceResponse>
    private let logger: Logger

    init(response: ProduceResponse, flushes: Int, promise: EventLoopPromise<ProduceResponse>, logger: Logger) {
        self.state = NIOLockedValueBox((response, flushes))
        self.promise = promise
        self.logger = logger
    }

    func flushed(topic: Int, partition: Int, result: Result<Void, any Error>) {
        let finished = state.withLockedValue { state -> ProduceResponse? in
            if case .failure(let error) = result {
                let failure = KafkaFailure.from(error)
                logger.error("fsync for an acks=all produce failed: \(failure)")
                state.response.responses[topic].partitionResponses[partition].errorCode = failure.code.rawValue
                state.response.responses[topic].partitionResponses[partition].errorMessage = failure.message
                state.response.responses[topic].partitionResponses[partition].baseOffset = -1
            }
            state.remaining -= 1
            return state.remaining == 0 ? state.response : nil
        }
        if let finished { promise.succeed(finished) }
    }
}
