import Foundation
import NIOConcurrencyHelpers

/// Keeps the cleaner's disk traffic under `log.cleaner.io.max.bytes.per.second` (reads and
/// writes together, shared by all cleaner threads) by sleeping the thread that goes over.
public final class CleanerThrottle: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant
        var bytes: Double = 0
    }

    public let maxBytesPerSecond: Double
    private let window: NIOLockedValueBox<Window>
    private let cancelled = NIOLockedValueBox(false)

    public init(maxBytesPerSecond: Double) {
        self.maxBytesPerSecond = maxBytesPerSecond
        self.window = NIOLockedValueBox(Window(start: .now))
    }

    /// Makes every later `account` throw `StorageError.closed`, so passes in progress stop (at
    /// shutdown) instead of running to the end; their unfinished group is discarded.
    public func cancel() {
        cancelled.withLockedValue { $0 = true }
    }

    /// Counts `bytes` of I/O; sleeps when the rate since the window started is above the limit.
    public func account(bytes: Int) throws {
        if cancelled.withLockedValue({ $0 }) { throw StorageError.closed }
        guard maxBytesPerSecond.isFinite, maxBytesPerSecond > 0 else { return }
        let delay: Double = window.withLockedValue { window in
            window.bytes += Double(bytes)
            let elapsed = Self.seconds(ContinuousClock.now - window.start)
            let due = window.bytes / maxBytesPerSecond
            // A fresh window every second or so, so that an idle spell does not earn a burst.
            if elapsed > 1, due <= elapsed {
                window = Window(start: .now)
                return 0
            }
            return max(0, due - elapsed)
        }
        if delay > 0.001 { Thread.sleep(forTimeInterval: delay) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
