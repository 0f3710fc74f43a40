/// An inclusive range of protocol versions as written in the specs ("0+", "3-7", "5").
struct VersionRange: Equatable {
    static let maxVersion = Int(Int16.max)

    var lowest: Int
    var highest: Int

    /// Parses a spec version string; returns nil for "none" or an empty string.
    static func parse(_ text: String?) throws -> VersionRange? {
        guard let raw = text?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw != "none" else {
            return nil
        }
        if raw.hasSuffix("+") {
            guard let low = Int(raw.dropLast()) else { throw CodegenError.invalidSpec("bad versions \(raw)") }
            return VersionRange(lowest: low, highest: maxVersion)
        }
        let parts = raw.split(separator: "-")
        if parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]) {
            return VersionRange(lowest: low, highest: high)
        }
        if parts.count == 1, let only = Int(parts[0]) {
            return VersionRange(lowest: only, highest: only)
        }
        throw CodegenError.invalidSpec("bad versions \(raw)")
    }

    func intersection(_ other: VersionRange?) -> VersionRange? {
        guard let other else { return nil }
        let low = max(lowest, other.lowest)
        let high = min(highest, other.highest)
        return low <= high ? VersionRange(lowest: low, highest: high) : nil
    }

    /// The smallest range covering both (used to widen a struct's context conservatively).
    func hull(_ other: VersionRange) -> VersionRange {
        VersionRange(lowest: min(lowest, other.lowest), highest: max(highest, other.highest))
    }

    func contains(_ other: VersionRange) -> Bool {
        lowest <= other.lowest && other.highest <= highest
    }

    /// Swift source for the range as a `ClosedRange<Int16>`.
    var swiftLiteral: String {
        highest == VersionRange.maxVersion ? "\(lowest)...Int16.max" : "\(lowest)...\(highest)"
    }
}

/// A Swift boolean expression over `version` that is true for the versions of `range` within
/// `context`. Returns nil when it is always true there and "false" when never.
func versionCondition(_ range: VersionRange?, within context: VersionRange) -> String? {
    guard let inside = context.intersection(range) else { return "false" }
    if inside == context { return nil }
    var parts: [String] = []
    if inside.lowest == inside.highest {
        return "version == \(inside.lowest)"
    }
    if inside.lowest > context.lowest { parts.append("version >= \(inside.lowest)") }
    if inside.highest < context.highest { parts.append("version <= \(inside.highest)") }
    return parts.joined(separator: " && ")
}
