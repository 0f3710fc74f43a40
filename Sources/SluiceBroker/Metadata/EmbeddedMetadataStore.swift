import Foundation
import NIOConcurrencyHelpers

/// Single-node metadata kept in `<data-dir>/meta/cluster.json`, replaced atomically on every change
/// (write a temp file, fsync it, rename over the old one, fsync the directory). Changes are rare
/// (topic admin, config changes, producer-id blocks), so a whole-file rewrite is the simple, safe choice.
public final class EmbeddedMetadataStore: MetadataStore {
    private let state: NIOLockedValueBox<ClusterMetadata>
    private let directory: String
    private var path: String { directory + "/cluster.json" }

    public init(dataDirectory: String) throws {
        directory = dataDirectory + "/meta"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/cluster.json"
        if let data = FileManager.default.contents(atPath: file) {
            do {
                state = NIOLockedValueBox(try JSONDecoder().decode(ClusterMetadata.self, from: data))
            } catch {
                throw MetadataStoreError.corrupt(file, "\(error)")
            }
        } else {
            let fresh = ClusterMetadata(clusterId: Self.newClusterId())
            state = NIOLockedValueBox(fresh)
            try Self.write(fresh, to: directory)
        }
    }

    public func current() -> ClusterMetadata {
        state.withLockedValue { $0 }
    }

    @discardableResult
    public func update<T>(_ change: (inout ClusterMetadata) throws -> T) throws -> T {
        try state.withLockedValue { metadata in
            var next = metadata
            let result = try change(&next)
            if next != metadata {
                try Self.write(next, to: directory)
                metadata = next
            }
            return result
        }
    }

    private static func write(_ metadata: ClusterMetadata, to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(metadata)
        let temp = directory + "/cluster.json.tmp"
        let target = directory + "/cluster.json"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw MetadataStoreError.io(temp, errno) }
        defer { close(fd) }
        let written = data.withUnsafeBytes { raw in Foundation.write(fd, raw.baseAddress, raw.count) }
        guard written == data.count, fsync(fd) == 0 else { throw MetadataStoreError.io(temp, errno) }
        guard rename(temp, target) == 0 else { throw MetadataStoreError.io(target, errno) }
        let dirFd = open(directory, O_RDONLY)
        if dirFd >= 0 {
            _ = fsync(dirFd)
            close(dirFd)
        }
    }

    /// Kafka cluster ids are 22-character URL-safe base64 UUIDs.
    private static func newClusterId() -> String {
        let uuid = UUID().uuid
        let bytes = withUnsafeBytes(of: uuid) { Data($0) }
        return bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

public enum MetadataStoreError: Error, CustomStringConvertible {
    case corrupt(String, String)
    case io(String, Int32)

    public var description: String {
        switch self {
        case .corrupt(let path, let reason): return "metadata file \(path) is unreadable: \(reason)"
        case .io(let path, let code): return "metadata write to \(path) failed: \(String(cString: strerror(code)))"
        }
    }
}
