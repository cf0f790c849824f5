// `wg show IF dump` output, a userspace WireGuard's UAPI `get=1` answer, kernel
// WireGuard's generic netlink answer (one datagram); the link monitor's netlink messages.
import UplinkCore

enum WGDumpFuzz {
    static func check(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let d = try? WireGuardDump(parsing: text) {
            for p in d.peers { _ = p.handshakeAge(now: 1_800_000_000) }
        }
        if let d = try? WireGuardDump(uapi: text) {
            precondition(d.peers.count <= WireGuardDump.maximumPeers)
            for p in d.peers { _ = p.handshakeAge(now: 1_800_000_000) }
        }
        if let r = try? WireGuardNetlink.read(bytes, seq: 1), let d = try? WireGuardNetlink.device(r.payloads) {
            precondition(d.peers.count <= WireGuardDump.maximumPeers)
        }
        if let d = try? WireGuardNetlink.device([bytes]) { precondition(d.peers.count <= WireGuardDump.maximumPeers) }
        _ = Netlink.linkNames(bytes[...]) // the link monitor's read of the same framing
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    WGDumpFuzz.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
