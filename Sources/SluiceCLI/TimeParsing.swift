import Foundation

/// Milliseconds since the epoch from a number of ms or an ISO 8601 date-time
/// (`2026-11-26T10:00:00Z`, with or without fractional seconds); nil for anything else.
/// Used by `consume --from` and `group reset-offsets --to`.
public func parseTimestampMillis(_ text: String) -> Int64? {
    if let millis = Int64(text), millis >= 0 { return millis }
    let formatter = ISO8601DateFormatter()
    for options: ISO8601DateFormatter.Options in [
        [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
    ] {
        formatter.formatOptions = options
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    }
    return nil
}
