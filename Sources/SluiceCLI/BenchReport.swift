import Foundation
import Histogram

/// Latencies of one bench run in microseconds, in an HdrHistogram (3 significant digits, grows as needed).
public struct LatencyRecorder: Sendable {
    public private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    public init() { histogram.autoResize = true }

    public mutating func record(microseconds: UInt64) { _ = histogram.record(max(1, microseconds)) }

    public mutating func merge(_ other: LatencyRecorder) { histogram.add(other.histogram) }

    public var count: UInt64 { histogram.totalCount }

    /// p50/p99/p99.9/max in µs; zeros when nothing was recorded.
    public var percentiles: BenchSummary.Latency {
        guard histogram.totalCount > 0 else { return .init(p50: 0, p99: 0, p999: 0, max: 0) }
        return .init(
            p50: histogram.valueAtPercentile(50), p99: histogram.valueAtPercentile(99),
            p999: histogram.valueAtPercentile(99.9), max: histogram.max)
    }
}

/// The final line(s) of `sluice bench`: what ran, how fast, and how long records took.
public struct BenchSummary: Encodable, Sendable, Equatable {
    public struct Latency: Encodable, Sendable, Equatable {
        public var p50: UInt64
        public var p99: UInt64
        public var p999: UInt64
        public var max: UInt64
        public init(p50: UInt64, p99: UInt64, p999: UInt64, max: UInt64) {
            self.p50 = p50
            self.p99 = p99
            self.p999 = p999
            self.max = max
        }
    }

    public var mode: String
    public var records: Int
    public var recordSize: Int
    public var elapsedSeconds: Double
    public var errors: Int
    /// Latency in µs: produce → acknowledgement (produce), or produce → consumed (e2e); nil for consume.
    public var latencyMicros: Latency?
    /// The options the run used, for the record (acks, compression, linger, …).
    public var settings: [String: String]

    public init(
        mode: String, records: Int, recordSize: Int, elapsedSeconds: Double, errors: Int, latencyMicros: Latency?,
        settings: [String: String]
    ) {
        self.mode = mode
        self.records = records
        self.recordSize = recordSize
        self.elapsedSeconds = elapsedSeconds
        self.errors = errors
        self.latencyMicros = latencyMicros
        self.settings = settings
    }

    public var recordsPerSecond: Double { elapsedSeconds > 0 ? Double(records) / elapsedSeconds : 0 }
    /// MB is 10^6 bytes, as Kafka's and librdkafka's tools count.
    public var megabytesPerSecond: Double { recordsPerSecond * Double(recordSize) / 1e6 }

    enum CodingKeys: String, CodingKey {
        case mode, records, recordSize = "record_size", elapsedSeconds = "elapsed_s", errors
        case latencyMicros = "latency_us", settings, recordsPerSecond = "records_per_s", megabytesPerSecond = "mb_per_s"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode)
        try c.encode(records, forKey: .records)
        try c.encode(recordSize, forKey: .recordSize)
        try c.encode((elapsedSeconds * 1000).rounded() / 1000, forKey: .elapsedSeconds)
        try c.encode(errors, forKey: .errors)
        try c.encodeIfPresent(latencyMicros, forKey: .latencyMicros)
        try c.encode(settings, forKey: .settings)
        try c.encode(recordsPerSecond.rounded(), forKey: .recordsPerSecond)
        try c.encode((megabytesPerSecond * 100).rounded() / 100, forKey: .megabytesPerSecond)
    }

    /// The human summary block.
    public func rendered() -> String {
        var lines = [
            "\(mode): \(Self.grouped(records)) records of \(recordSize) B in \(String(format: "%.2f", elapsedSeconds)) s",
            "throughput: \(Self.grouped(Int(recordsPerSecond.rounded()))) records/s, \(String(format: "%.1f", megabytesPerSecond)) MB/s",
        ]
        if let l = latencyMicros {
            lines.append("latency µs: p50 \(l.p50)  p99 \(l.p99)  p99.9 \(l.p999)  max \(l.max)")
        }
        if errors > 0 { lines.append("errors: \(errors)") }
        if !settings.isEmpty {
            lines.append("settings: " + settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    /// 1234567 → "1,234,567".
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }
}

/// One per-second progress line of a bench run.
public struct BenchTick: Encodable, Sendable, Equatable {
    public var second: Int
    public var records: Int
    public var recordsPerSecond: Double
    public var megabytesPerSecond: Double
    public var p99Micros: UInt64?

    public init(second: Int, records: Int, recordsPerSecond: Double, megabytesPerSecond: Double, p99Micros: UInt64?) {
        self.second = second
        self.records = records
        self.recordsPerSecond = recordsPerSecond
        self.megabytesPerSecond = megabytesPerSecond
        self.p99Micros = p99Micros
    }

    enum CodingKeys: String, CodingKey {
        case second, records, recordsPerSecond = "records_per_s", megabytesPerSecond = "mb_per_s", p99Micros = "p99_us"
    }

    public func rendered() -> String {
        let rate = BenchSummary.grouped(Int(recordsPerSecond.rounded()))
        let padded = String(repeating: " ", count: max(0, 12 - rate.count)) + rate
        var line =
            String(format: "%4ds ", second) + padded + String(format: " records/s %8.1f MB/s", megabytesPerSecond)
        if let p99Micros { line += "  p99 \(p99Micros) µs" }
        return line
    }
}
