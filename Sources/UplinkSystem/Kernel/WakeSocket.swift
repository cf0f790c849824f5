#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// A Unix datagram socket the daemon listens on; `wgctl uplink notify` (called from the
/// hotplug shim) and config reloads send one short line to wake it at once.
public final class WakeSocket {
    public let fd: Int32
    public let path: String
    public static let maximumMessage = 256

    public init(listeningAt path: String) throws(UplinkError) {
        try Files.makeDirectories(Files.dirname(path))
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw UplinkError(.ioError, "cannot open the wake socket: \(errnoText())") }
        var sa = Self.address(path)
        let rc = withUnsafePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Libc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            close(fd)
            throw UplinkError(.ioError, "cannot bind \(path): \(errnoText())")
        }
        chmod(path, 0o600)
        SocketSupport.setNonBlocking(fd)
        self.fd = fd
        self.path = path
    }

    deinit {
        close(fd)
        unlink(path)
    }

    static func address(_ path: String) -> sockaddr_un {
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(107))
        withUnsafeMutableBytes(of: &sa.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return sa
    }

    /// Pending messages (each at most `maximumMessage` bytes, at most 64 per call).
    public func drain() -> [String] {
        var out: [String] = []
        var buf = [UInt8](repeating: 0, count: Self.maximumMessage)
        while out.count < 64 {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out.append(String(decoding: buf[0..<n], as: UTF8.self))
        }
        return out
    }

    /// Sends one message to a listening daemon; false when none listens.
    @discardableResult
    public static func send(_ message: String, to path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var sa = address(path)
        let bytes = Array(message.utf8.prefix(maximumMessage))
        let n = withUnsafePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return n == bytes.count
    }
}
