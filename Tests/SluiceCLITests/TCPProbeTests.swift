import Testing

@testable import SluiceCLI

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct TCPProbeTests {
    /// A listening socket on a free loopback port, and that port.
    func listener() -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(fd, 4)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: bound.sin_port))
    }

    @Test func aListeningPortAcceptsAClosedOneDoesNot() {
        let (fd, port) = listener()
        #expect(anyBootstrapAcceptsConnections("127.0.0.1:\(port)"))
        #expect(anyBootstrapAcceptsConnections("127.0.0.1:1,127.0.0.1:\(port)"))
        close(fd)
        #expect(!anyBootstrapAcceptsConnections("127.0.0.1:\(port)"))
        #expect(!anyBootstrapAcceptsConnections("not-a-host-name.invalid:9092"))
        #expect(!anyBootstrapAcceptsConnections("garbage"))
    }
}
