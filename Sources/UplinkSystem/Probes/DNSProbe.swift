#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// Resolves a name (A record) by asking one server directly over UDP, optionally through a
/// given device, so a DNS check exercises that path and no other.
public enum DNSProbe {
    public struct Answer: Sendable {
        public var addresses: [IPAddress]
        public var rttMs: Double
        public var rcode: Int
    }

    public static func resolve(_ name: String, server: IPAddress, device: String?, timeout: Double) throws(UplinkError) -> Answer {
        guard case .v4(let v4) = server else { throw UplinkError(.unsupported, "DNS probe supports IPv4 servers") }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        if fd < 0 { throw UplinkError(.ioError, "cannot open a UDP socket: \(errnoText())") }
        defer { close(fd) }
        if let device { try SocketSupport.bind(fd, toDevice: device) }
        let id = UInt16(truncatingIfNeeded: Int(Clock.monotonic() * 1e6)) ^ UInt16(getpid() & 0xFFFF)
        let query = try DNSMessage.query(id: id, name: name)
        var sa = SocketSupport.sockaddr(v4, port: 53)
        let start = Clock.monotonic()
        let sent = withUnsafePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard sent == query.count else { throw UplinkError(.ioError, "cannot send a DNS query to \(server): \(errnoText())") }
        let deadline = start + timeout
        var buf = [UInt8](repeating: 0, count: 1500)
        while SocketSupport.waitReadable(fd, until: deadline) {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n > 0 else { continue }
            guard let reply = DNSMessage.parseReply(Array(buf[0..<n]), id: id) else { continue }
            return Answer(addresses: reply.addresses, rttMs: (Clock.monotonic() - start) * 1000, rcode: reply.rcode)
        }
        throw UplinkError(.timeout, "no DNS answer from \(server) within \(Int(timeout * 1000)) ms")
    }
}
