/// File names of a segment: `<base offset, 20 digits zero-padded>.<suffix>`, as Kafka names them.
enum SegmentFileNames {
    static let logSuffix = ".log"
    static let offsetIndexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"

    /// `00000000000000000042` for 42.
    static func stem(baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    static func path(directory: String, baseOffset: Int64, suffix: String) -> String {
        directory + "/" + stem(baseOffset: baseOffset) + suffix
    }

    /// The base offset of a `.log` file name, or nil for any other name.
    static func baseOffset(ofLogFileName name: String) -> Int64? {
        guard name.hasSuffix(logSuffix) else { return nil }
        let stem = name.dropLast(logSuffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(stem)
    }
}
