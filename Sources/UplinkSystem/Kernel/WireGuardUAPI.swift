#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// A userspace WireGuard's control socket (wireguard-go, boringtun): `/var/run/wireguard/DEV.sock`,
/// spoken to as `wg` itself does, so reading a tunnel's counters costs no process.
/// Kernel WireGuard has no such socket; `LinuxKernel.dump` then runs `wg`.
public enum WireGuardUAPI {
    public static let directory = "/var/run/wireguard"

    public static func socketPath(_ device: String) -> String { "\(directory)/\(device).sock" }

    /// Nil when the device has no UAPI socket (kernel WireGuard, or not a WireGuard device).
    public static func get(_ device: String, timeout: Double = 1) -> Result<WireGuardDump, UplinkError>? {
        guard InterfaceNaming.isValidDeviceName(device) else { return nil }
        let path = socketPath(device)
        guard access(path, F_OK) == 0 else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(UplinkError(.ioError, "cannot open a UNIX socket: \(errnoText())")) }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var sa = WakeSocket.address(path)
        let rc = withUnsafePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { return .failure(UplinkError(.ioError, "cannot connect to \(path): \(errnoText())")) }
        let request = Array("get=1\n\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return .failure(UplinkError(.ioError, "cannot ask \(path): \(errnoText())"))
        }
        // the answer ends with an empty line; a device with thousands of peers stays bounded
        var answer: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16384)
        while answer.count < 4 << 20 {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            answer += buf[0..<n]
            if answer.count >= 2 && answer[answer.count - 1] == 10 && answer[answer.count - 2] == 10 { break }
        }
        do {
            return .success(try WireGuardDump(uapi: String(decoding: answer, as: UTF8.self)))
        } catch {
            return .failure(error)
        }
    }
}
