#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// A UDP socket for mesh messages, bound to one mesh interface so that what it receives
/// provably arrived there (and what it sends leaves there). Datagrams over the protocol's
/// limit are read with MSG_TRUNC, so their real size is known and they are counted, not parsed.
public final class GossipSocket {
    public let fd: Int32
    public let interface: String

    public struct Datagram: Sendable {
        public var bytes: [UInt8]
        public var size: Int
        public var source: IPAddress
        public var sourcePort: Int
    }

    /// port 0: an ephemeral port (a one-off request).
    public init(interface: String, port: Int) throws(UplinkError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw UplinkError(.ioError, "cannot open a UDP socket: \(errnoText())") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(4))
        do { try SocketSupport.bind(fd, toDevice: interface) } catch {
            close(fd)
            throw error
        }
        var sa = SocketSupport.sockaddr(0, port: UInt16(port))
        let rc = withUnsafePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Libc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            let e = errnoText()
            close(fd)
            throw UplinkError(.ioError, "cannot listen on UDP \(port) on \(interface): \(e)")
        }
        // a flood must not grow memory: a small receive buffer, excess dropped by the kernel
        var size: Int32 = 64 * 1024
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(4))
        SocketSupport.setNonBlocking(fd)
        self.fd = fd
        self.interface = interface
    }

    deinit { close(fd) }

    @discardableResult
    public func send(_ bytes: [UInt8], to address: IPAddress, port: Int) -> Bool {
        guard case .v4(let v4) = address else { return false }
        var sa = SocketSupport.sockaddr(v4, port: UInt16(port))
        let n = withUnsafePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return n == bytes.count
    }

    /// Up to `limit` pending datagrams (the rest stay queued for the next call).
    public func receive(limit: Int = 256) -> [Datagram] {
        var out: [Datagram] = []
        var buf = [UInt8](repeating: 0, count: GossipMessage.maximumSize + 1)
        while out.count < limit {
            var sa = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buf.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &sa) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_TRUNC), $0, &len)
                    }
                }
            }
            if n < 0 { break }
            let kept = min(n, buf.count)
            out.append(Datagram(bytes: Array(buf[0..<kept]), size: n, source: .v4(UInt32(bigEndian: sa.sin_addr.s_addr)),
                                sourcePort: Int(UInt16(bigEndian: sa.sin_port))))
        }
        return out
    }

    public func waitReadable(until deadline: Double) -> Bool { SocketSupport.waitReadable(fd, until: deadline) }
}
