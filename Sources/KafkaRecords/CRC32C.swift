import CCRC32C
import NIOCore

/// CRC-32C (Castagnoli), the checksum of Kafka record batches (v2). Uses the CPU's CRC
/// instructions (SSE4.2 or ARMv8) when present.
public enum CRC32C {
    /// Checksum of `bytes`. Pass the previous result as `seed` to continue a running checksum:
    /// `checksum(b, seed: checksum(a)) == checksum(a + b)`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
        return sluice_crc32c(seed, base, bytes.count)
    }

    /// Checksum of the readable bytes of `buffer`.
    public static func checksum(_ buffer: ByteBuffer) -> UInt32 {
        buffer.withUnsafeReadableBytes { checksum($0) }
    }

    /// Same result as `checksum(_:seed:)`, always computed with the portable table code
    /// (for tests that cross-check the hardware path).
    public static func tableChecksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
        return sluice_crc32c_sw(seed, base, bytes.count)
    }

    /// Whether `checksum` runs on CPU instructions on this machine.
    public static var isHardwareAccelerated: Bool {
        sluice_crc32c_hw_available() != 0
    }
}
