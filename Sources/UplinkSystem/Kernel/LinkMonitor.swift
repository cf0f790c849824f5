import CSystemShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// A netlink socket subscribed to link changes (RTMGRP_LINK), so the daemon wakes the moment
/// a carrier drops or returns instead of waiting for its next probe.
public final class LinkMonitor {
    public let fd: Int32

    public init() throws(UplinkError) {
        let fd = wgu_netlink_link_socket()
        if fd < 0 { throw UplinkError(.ioError, "cannot subscribe to link events over netlink: \(errnoText())") }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Names of the links mentioned by pending messages (the payload is otherwise ignored:
    /// the daemon re-reads carrier state itself).
    public func drain() -> Set<String> {
        var names = Set<String>()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            names.formUnion(Netlink.linkNames(buf[0..<n]))
        }
        return names
    }

    /// True when the device has carrier (lower layer up).
    public static func hasCarrier(_ device: String) -> Bool {
        guard let b = try? Files.read("/sys/class/net/\(device)/carrier", limit: 16) else { return false }
        return b.first == UInt8(ascii: "1")
    }

    public static func exists(_ device: String) -> Bool {
        Files.exists("/sys/class/net/\(device)")
    }
}
