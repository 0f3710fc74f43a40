import NIOCore

/// Settings every client (producer, consumer, admin) shares.
public struct ClientConfig: Sendable {
    /// "host:port" entries to bootstrap from; the cluster's own broker list is used after that.
    public var bootstrapServers: [String]
    /// Sent in every request header; brokers log it.
    public var clientId: String = "sluice-swift"
    /// How long one request may wait for its answer.
    public var requestTimeout: Duration = .seconds(30)
    /// How long a TCP connect may take.
    public var connectTimeout: Duration = .seconds(10)
    /// Wait between retries of a retriable failure (doubles up to `retryBackoffMax`).
    public var retryBackoff: Duration = .milliseconds(100)
    public var retryBackoffMax: Duration = .seconds(1)

    /// `bootstrapServers` as "host:port,host:port" or a list.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    public init(bootstrap: String) {
        self.bootstrapServers = bootstrap.split(separator: ",").map { $0.trimmingWhitespace() }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

extension Duration {
    /// The duration as NIO's `TimeAmount` (nanosecond precision).
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// Splits "host:port" (IPv6 as "[::1]:9092"); nil when there is no port.
func parseHostPort(_ text: String) -> (host: String, port: Int)? {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
        return nil
    }
    var host = String(text[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return host.isEmpty ? nil : (host, port)
}
