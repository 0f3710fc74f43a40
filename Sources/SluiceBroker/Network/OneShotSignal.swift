import NIOConcurrencyHelpers

/// An event that happens once; `wait` returns immediately after it has happened.
final class OneShotSignal: Sendable {
    private let state = NIOLockedValueBox<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let firedAlready = state.withLockedValue { state -> Bool in
                if !state.fired { state.waiters.append(continuation) }
                return state.fired
            }
            if firedAlready { continuation.resume() }
        }
    }
}
