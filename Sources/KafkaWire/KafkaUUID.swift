/// A Kafka UUID (topic ids, member ids): 16 bytes on the wire, most significant half first.
public struct KafkaUUID: Hashable, Sendable {
    /// The most significant 64 bits.
    public var high: UInt64
    /// The least significant 64 bits.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The all-zero UUID, Kafka's "no id".
    public static let zero = KafkaUUID(high: 0, low: 0)

    /// A random version-4 UUID. Kafka avoids ids whose base64 starts with "-" (they look like
    /// command-line flags) and the zero/metadata ids, so we retry in those cases as well.
    public static func random() -> KafkaUUID {
        var generator = SystemRandomNumberGenerator()
        while true {
            var high = generator.next() as UInt64
            var low = generator.next() as UInt64
            high = (high & ~0x0000_0000_0000_F000) | 0x0000_0000_0000_4000
            low = (low & ~0xC000_0000_0000_0000) | 0x8000_0000_0000_0000
            let id = KafkaUUID(high: high, low: low)
            if id != .zero && !id.base64String.hasPrefix("-") { return id }
        }
    }

    /// The 16 bytes, most significant first.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// The id as Kafka prints it: URL-safe base64 of the 16 bytes, without padding (22 characters).
    public var base64String: String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let input = bytes
        var out: [UInt8] = []
        out.reserveCapacity(22)
        var i = 0
        while i < input.count {
            let b0 = UInt32(input[i])
            let b1 = i + 1 < input.count ? UInt32(input[i + 1]) : 0
            let b2 = i + 2 < input.count ? UInt32(input[i + 2]) : 0
            let triple = (b0 << 16) | (b1 << 8) | b2
            let remaining = input.count - i
            out.append(alphabet[Int((triple >> 18) & 63)])
            out.append(alphabet[Int((triple >> 12) & 63)])
            if remaining > 1 { out.append(alphabet[Int((triple >> 6) & 63)]) }
            if remaining > 2 { out.append(alphabet[Int(triple & 63)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses Kafka's printed form (URL-safe base64, padding optional); nil if it is not 16 bytes.
    public init?(base64String: String) {
        var values: [UInt8] = []
        for c in base64String.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "_"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        guard values.count == 22 else { return nil }
        var bits: UInt32 = 0
        var bitCount = 0
        var out: [UInt8] = []
        for v in values {
            bits = (bits << 6) | UInt32(v)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount)))
            }
        }
        guard out.count == 16 else { return nil }
        self.high = out[0..<8].reduce(0) { ($0 << 8) | UInt64($1) }
        self.low = out[8..<16].reduce(0) { ($0 << 8) | UInt64($1) }
    }
}

extension KafkaUUID: CustomStringConvertible {
    public var description: String { base64String }
}
