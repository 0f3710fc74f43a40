#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// CLOCK_MONOTONIC in nanoseconds: cheap enough to read twice per record in `sluice bench`.
@inline(__always)
public func monotonicNanos() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// Holds a sender to a steady rate: after `sent` records since `start`, how long to sleep so the
/// rate is at most `perSecond` (0: no limit). Checked every few hundred records, not per record.
public struct RatePacer: Sendable {
    public let perSecond: Double
    public let start: UInt64

    public init(perSecond: Double, start: UInt64 = monotonicNanos()) {
        self.perSecond = perSecond
        self.start = start
    }

    /// Nanoseconds to wait before sending record number `sent` (0-based), given the time `now`.
    public func delay(sent: Int, now: UInt64) -> UInt64 {
        guard perSecond > 0 else { return 0 }
        let due = start &+ UInt64(Double(sent) / perSecond * 1e9)
        return due > now ? due - now : 0
    }
}
