import Foundation
import Logging
import NIOConcurrencyHelpers

/// Group commit: makes appended data durable on a dedicated thread (fsync blocks, so it must not
/// run on the Swift cooperative pool). Each round takes every pending request, fsyncs each
/// affected log once, and resumes every waiter it covers — so many concurrent `flush` calls
/// share few fsyncs. One per `LogManager`.
public final class Flusher: Sendable {
    private struct Request {
        let log: PartitionLog
        /// Called on the flusher thread once the log is fsynced (or the fsync failed).
        let completion: @Sendable (Result<Void, any Error>) -> Void
    }

    private struct State {
        var pending: [Request] = []
        var isShutDown = false
    }

    /// Value 1 while there is work (or shutdown), 0 while idle.
    private let condition = ConditionLock(value: 0)
    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "sluice-flusher"
        thread.start()
    }

    /// Stops the thread after the requests already queued; later requests fail with `closed`.
    public func shutdown() {
        state.withLockedValue { $0.isShutDown = true }
        condition.lock()
        condition.unlock(withValue: 1)
    }

    /// Returns once `log`'s bytes up to its current end are fsynced.
    func sync(_ log: PartitionLog) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            sync(log) { continuation.resume(with: $0) }
        }
    }

    /// Calls `completion` (on the flusher thread) once `log`'s bytes up to its current end are
    /// fsynced. For callers that hop back to their own thread anyway, this saves two thread hops.
    func sync(_ log: PartitionLog, completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        let accepted = state.withLockedValue { state -> Bool in
            guard !state.isShutDown else { return false }
            state.pending.append(Request(log: log, completion: completion))
            return true
        }
        guard accepted else {
            completion(.failure(StorageError.closed))
            return
        }
        condition.lock()
        condition.unlock(withValue: 1)
    }

    private func run() {
        while true {
            condition.lock(whenValue: 1)
            let (requests, isShutDown) = state.withLockedValue { state in
                defer { state.pending.removeAll(keepingCapacity: true) }
                return (state.pending, state.isShutDown)
            }
            condition.unlock(withValue: isShutDown ? 1 : 0)
            serve(requests)
            if isShutDown && requests.isEmpty { return }
        }
    }

    /// One round: one fsync per distinct log, then every waiter of that log resumes.
    private func serve(_ requests: [Request]) {
        var byLog: [ObjectIdentifier: [Request]] = [:]
        var order: [ObjectIdentifier] = []
        for request in requests {
            let key = ObjectIdentifier(request.log)
            if byLog[key] == nil { order.append(key) }
            byLog[key, default: []].append(request)
        }
        for key in order {
            let waiters = byLog[key]!
            do {
                try waiters[0].log.syncForFlusher()
                for waiter in waiters { waiter.completion(.success(())) }
            } catch {
                logger.error(
                    "fsync failed", metadata: ["directory": "\(waiters[0].log.directory)", "error": "\(error)"])
                for waiter in waiters { waiter.completion(.failure(error)) }
            }
        }
    }
}
