import CLZ4
import CSnappy
import CZlib
import CZstd

/// The versions of the compression libraries linked in (for logs and tests).
public enum CompressionLibraries {
    public static var versions: String {
        "zstd \(ZSTD_versionNumber()), lz4 \(LZ4_versionNumber()), zlib \(String(cString: zlibVersion()))"
    }
}
