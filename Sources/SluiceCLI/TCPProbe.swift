#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether anything accepts a TCP connection at one of the `HOST:PORT` entries of a bootstrap
/// list, within `timeoutMillis` each. The CLI asks when a call ran out of time, to tell "no broker
/// there" (exit 69) from "a broker that did not answer in time" (exit 75): clients retry an
/// unreachable cluster, so their own error alone does not say which it was.
public func anyBootstrapAcceptsConnections(_ bootstrap: String, timeoutMillis: Int32 = 1000) -> Bool {
    bootstrap.split(separator: ",").contains { entry in
        guard let colon = entry.lastIndex(of: ":"), let port = UInt16(entry[entry.index(after: colon)...]) else {
            return false
        }
        var host = String(entry[..<colon]).trimmingCharacters(in: " ")
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return tcpConnects(host: host, port: port, timeoutMillis: timeoutMillis)
    }
}

func tcpConnects(host: String, port: UInt16, timeoutMillis: Int32) -> Bool {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return false }
    defer { freeaddrinfo(first) }
    var next: UnsafeMutablePointer<addrinfo>? = first
    while let info = next {
        next = info.pointee.ai_next
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        if fd < 0 { continue }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return true }
        guard errno == EINPROGRESS else { continue }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&poller, 1, timeoutMillis) == 1 else { continue }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 { return true }
    }
    return false
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
