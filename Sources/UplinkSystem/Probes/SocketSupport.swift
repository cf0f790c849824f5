#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// Small helpers shared by the probe sockets.
enum SocketSupport {
    /// Binds a socket to a Linux device so its packets leave through it (root only).
    static func bind(_ fd: Int32, toDevice device: String) throws(UplinkError) {
        var name = Array(device.utf8CString)
        let rc = name.withUnsafeMutableBytes { setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, $0.baseAddress, socklen_t(device.utf8.count + 1)) }
        if rc != 0 {
            throw UplinkError(.ioError, "cannot bind a probe socket to \(device): \(errnoText())")
        }
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    static func sockaddr(_ v4: UInt32, port: UInt16 = 0) -> sockaddr_in {
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        sa.sin_addr = in_addr(s_addr: v4.bigEndian)
        return sa
    }

    static func sockaddr6(_ b: [UInt8], port: UInt16 = 0, scope: UInt32 = 0) -> sockaddr_in6 {
        var sa = sockaddr_in6()
        sa.sin6_family = sa_family_t(AF_INET6)
        sa.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &sa.sin6_addr) { for i in 0..<16 { $0[i] = b[i] } }
        // a link-local address means nothing without its link
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { sa.sin6_scope_id = scope }
        return sa
    }

    /// Waits until `fd` is readable or the deadline passes.
    static func waitReadable(_ fd: Int32, until deadline: Double) -> Bool {
        while true {
            let left = deadline - Clock.monotonic()
            if left <= 0 { return false }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, Int32(left * 1000) + 1)
            if n > 0 { return true }
            if n < 0 && errno != EINTR { return false }
        }
    }
}

/// One answered (or lost) probe.
public struct ProbeOutcome: Equatable, Sendable {
    public var target: IPAddress
    public var ok: Bool
    public var rttMs: Double?
}
