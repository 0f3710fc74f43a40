import NIOConcurrencyHelpers

/// Wakes delayed fetches when data arrives: a fetch that found too little waits on the partitions it
/// asked for until an append to one of them, or until its max wait runs out.
final class AppendSignal: Sendable {
    struct PartitionKey: Hashable, Sendable {
        let topic: String
        let partition: Int32
    }

    /// One waiting fetch. `fire` may run before the continuation is installed (an append or the
    /// timer can win the race), so the state remembers it.
    private final class Waiter: Sendable {
        let keys: Set<PartitionKey>
        private let state = NIOLockedValueBox<(fired: Bool, continuation: CheckedContinuation<Void, Never>?)>(
            (false, nil))

        init(keys: Set<PartitionKey>) {
            self.keys = keys
        }

        func install(_ continuation: CheckedContinuation<Void, Never>) {
            let firedAlready = state.withLockedValue { state -> Bool in
                if state.fired { return true }
                state.continuation = continuation
                return false
            }
            if firedAlready { continuation.resume() }
        }

        func fire() {
            let continuation = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                if state.fired { return nil }
                state.fired = true
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume()
        }
    }

    private let waiters = NIOLockedValueBox<[ObjectIdentifier: Waiter]>([:])
    private let closed = NIOLockedValueBox(false)

    /// Called after every append; cheap when nobody waits.
    func appended(topic: String, partition: Int32) {
        let key = PartitionKey(topic: topic, partition: partition)
        let woken: [Waiter] = waiters.withLockedValue { waiters in
            if waiters.isEmpty { return [] }
            return waiters.values.filter { $0.keys.contains(key) }
        }
        for waiter in woken { waiter.fire() }
    }

    /// Wakes every waiting fetch and makes later waits return at once (at shutdown).
    func wakeAll() {
        closed.withLockedValue { $0 = true }
        let all = waiters.withLockedValue { Array($0.values) }
        for waiter in all { waiter.fire() }
    }

    /// How a `wait` ended.
    enum WaitOutcome: Sendable {
        /// `check` found what the caller waits for: no wait at all.
        case ready
        /// An append to one of the keys, or the timeout.
        case woken
        /// The broker is shutting down.
        case closed
    }

    /// Waits until one of `keys` gets an append or `timeout` passes, unless `check` (called once,
    /// after the wait is registered and before it sleeps) says the caller has what it needs.
    /// Checking only after registering is what makes this safe: an append that lands between the
    /// caller's read and its wait still wakes it.
    func wait(for keys: Set<PartitionKey>, timeout: Duration, unless check: () -> Bool) async -> WaitOutcome {
        if closed.withLockedValue({ $0 }) { return .closed }
        let waiter = Waiter(keys: keys)
        let id = ObjectIdentifier(waiter)
        waiters.withLockedValue { $0[id] = waiter }
        defer { waiters.withLockedValue { _ = $0.removeValue(forKey: id) } }
        if check() { return .ready }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            waiter.fire()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter.install($0) }
        } onCancel: {
            waiter.fire()
        }
        timer.cancel()
        return closed.withLockedValue { $0 } ? .closed : .woken
    }
}
