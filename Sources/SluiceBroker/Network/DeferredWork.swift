import NIOConcurrencyHelpers

/// Counts deferred handler work (fsync waits, long polls) still running, so a shutdown can wait
/// for it before the event loops it reports back to are stopped.
final class DeferredWork: Sendable {
    private let state = NIOLockedValueBox<(running: Int, idleWaiters: [CheckedContinuation<Void, Never>])>((0, []))

    func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        state.withLockedValue { $0.running += 1 }
        let result = await body()
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
        return result
    }

    /// Returns once no deferred work is running.
    func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLockedValue { state -> Bool in
                if state.running > 0 { state.idleWaiters.append(continuation) }
                return state.running == 0
            }
            if idle { continuation.resume() }
        }
    }
}
