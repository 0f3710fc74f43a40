import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes, logs or tests),
/// redrawn at most ten times a second.
public struct ProgressBar: Sendable {
    public let total: Int
    public let label: String
    public let enabled: Bool
    private var lastDraw: UInt64 = 0

    public init(total: Int, label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total
        self.label = label
        self.enabled = enabled && total > 0
    }

    /// The bar's text for `done` of `total` (40 cells wide), without the carriage return.
    public static func text(label: String, done: Int, total: Int, width: Int = 40) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\(label) [\(bar)] \(Int((fraction * 100).rounded(.down)))% \(done)/\(total)"
    }

    public mutating func update(_ done: Int) {
        guard enabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let ms = UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
        guard ms - lastDraw >= 100 || done >= total else { return }
        lastDraw = ms
        write("\r" + Self.text(label: label, done: done, total: total))
    }

    /// Ends the bar's line.
    public func finish() {
        guard enabled else { return }
        write("\n")
    }

    private func write(_ text: String) {
        StandardError.write(text)
    }
}
