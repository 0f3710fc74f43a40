import KafkaRecords
import NIOCore

/// A ByteBuffer holding the UTF-8 of `text`.
func buffer(_ text: String) -> ByteBuffer {
    ByteBuffer(string: text)
}

/// A ByteBuffer holding `bytes`.
func buffer(_ bytes: [UInt8]) -> ByteBuffer {
    ByteBuffer(bytes: bytes)
}

/// Deterministic generator so a failing fuzz case can be reproduced from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A three-record batch exercising null keys/values, headers and a negative timestamp delta.
func sampleBatch(baseOffset: Int64 = 0, baseTimestamp: Int64 = 1_700_000_000_000) -> ByteBuffer {
    var builder = RecordBatchBuilder(baseOffset: baseOffset, baseTimestamp: baseTimestamp)
    builder.append(key: buffer("k0"), value: buffer("v0"), timestamp: baseTimestamp)
    builder.append(
        key: nil, value: buffer("v1"),
        headers: [RecordHeader(key: "trace", value: buffer("abc")), RecordHeader(key: "empty", value: nil)],
        timestamp: baseTimestamp - 5)
    builder.append(key: buffer("k2"), value: nil, timestamp: baseTimestamp + 9)
    return builder.build()
}

/// The validation error of `bytes`, or nil when they pass.
func validationError(_ bytes: ByteBuffer, maxBatchBytes: Int = 1 << 20) -> RecordBatchError? {
    do {
        _ = try RecordBatchValidator.validate(bytes, maxBatchBytes: maxBatchBytes)
        return nil
    } catch {
        return error
    }
}

/// True when `error` is the given case, whatever its message.
func isCorrupt(_ error: RecordBatchError?) -> Bool {
    if case .corrupt = error { return true }
    return false
}

func isInvalidRecord(_ error: RecordBatchError?) -> Bool {
    if case .invalidRecord = error { return true }
    return false
}
