import NIOConcurrencyHelpers

/// A client's background loop: each wake-up runs one `round` on its owner (the consumer's fetches,
/// the producer's sends). Holds the owner weakly, so dropping the owner ends the loop.
final class WakeUpLoop<Owner: AnyObject & Sendable>: Sendable {
    private struct WeakOwner: Sendable { weak var owner: Owner? }
    private let reference = NIOLockedValueBox(WeakOwner())
    private let round: @Sendable (Owner) async -> Void

    init(round: @escaping @Sendable (Owner) async -> Void) {
        self.round = round
    }

    func attach(_ owner: Owner) {
        reference.withLockedValue { $0.owner = owner }
    }

    func run(_ wakeUps: AsyncStream<Void>) async {
        for await _ in wakeUps {
            guard let owner = reference.withLockedValue({ $0.owner }) else { return }
            await round(owner)
        }
    }
}
