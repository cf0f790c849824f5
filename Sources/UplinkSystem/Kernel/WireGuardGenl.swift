import CSystemShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import UplinkCore

/// Kernel WireGuard over generic netlink, as `wg show` reads it: a tunnel's peers and counters
/// without a process. Nil when the kernel has no WireGuard family (wireguard-go only, as in
/// the lab) or the device is not the kernel's; `LinuxKernel.dump` then falls back to `wg`.
public enum WireGuardGenl {
    /// The family id, looked up once; a kernel without WireGuard is asked again after a minute.
    private static let family = Mutex<(id: UInt16?, askedAt: Double)>((nil, -.infinity))
    private static let sequence = Atomic<UInt32>(1)

    public static func get(_ device: String, timeout: Double = 1) -> Result<WireGuardDump, UplinkError>? {
        guard InterfaceNaming.isValidDeviceName(device), let id = familyID(timeout: timeout) else { return nil }
        let seq = sequence.add(1, ordering: .relaxed).newValue
        switch exchange(WireGuardNetlink.deviceRequest(family: id, device: device, seq: seq), seq: seq, timeout: timeout) {
        case .failure(let e): return .failure(e)
        case .success(let r):
            // ENODEV: no such device; EOPNOTSUPP/EINVAL: a device that is not kernel WireGuard
            if let e = r.error { return -e == ENODEV || -e == EOPNOTSUPP || -e == EINVAL ? nil : .failure(errnoError(e, device)) }
            do { return .success(try WireGuardNetlink.device(r.payloads)) } catch { return .failure(error) }
        }
    }

    /// WireGuard's generic netlink family id, nil when the kernel has none.
    public static func familyID(timeout: Double = 1) -> UInt16? {
        let now = Clock.monotonic()
        let known = family.withLock { f -> UInt16?? in
            if let id = f.id { return .some(id) }
            return now - f.askedAt < 60 ? .some(nil) : nil
        }
        if let known { return known }
        let id = lookUpFamily(WireGuardNetlink.familyName, timeout: timeout)
        family.withLock { $0 = (id, now) }
        return id
    }

    /// Any generic netlink family's id from the kernel's controller; nil when it has none.
    public static func lookUpFamily(_ name: String, timeout: Double = 1) -> UInt16? {
        let seq = sequence.add(1, ordering: .relaxed).newValue
        guard case .success(let r) = exchange(WireGuardNetlink.familyRequest(name, seq: seq), seq: seq, timeout: timeout),
              r.error == nil, let p = r.payloads.first else { return nil }
        return try? WireGuardNetlink.familyID(p)
    }

    /// Sends one request and reads every answer to it, up to its end (ack, error or done).
    static func exchange(_ request: [UInt8], seq: UInt32, timeout: Double) -> Result<WireGuardNetlink.Reply, UplinkError> {
        let fd = wgu_netlink_generic_socket(Int32(max(1, timeout * 1000)))
        guard fd >= 0 else { return .failure(UplinkError(.ioError, "cannot open a generic netlink socket: \(errnoText())")) }
        defer { close(fd) }
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            return .failure(UplinkError(.ioError, "cannot ask the kernel over generic netlink: \(errnoText())"))
        }
        var all = WireGuardNetlink.Reply()
        var buf = [UInt8](repeating: 0, count: 32768)
        while !all.done {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .failure(UplinkError(.timeout, "the kernel did not answer over generic netlink: \(errnoText())")) }
            do {
                let r = try WireGuardNetlink.read(Array(buf[0..<n]), seq: seq)
                all.payloads += r.payloads
                all.done = r.done
                all.error = r.error
            } catch { return .failure(error) }
            guard all.payloads.count < 65536 else { return .failure(UplinkError(.parseError, "generic netlink answer without end")) }
        }
        return .success(all)
    }

    static func errnoError(_ e: Int32, _ device: String) -> UplinkError {
        UplinkError(.ioError, "kernel WireGuard on \(device) answered: \(String(cString: strerror(-e)))")
    }
}
