import UplinkCore

/// The first hop through a device: an echo request with TTL 1 toward any address beyond it
/// makes the router at the far end (through a tunnel: the provider itself) answer with time
/// exceeded, or unreachable when it has no route on. It answers whatever its own WAN does, and
/// the answer's source is its address.
public enum FirstHop {
    public struct Answer: Sendable {
        public var address: IPAddress
        public var rttMs: Double
        public var kind: ICMPMessage.Kind

        public var what: String {
            switch kind {
            case .echoReply: return "echo reply"
            case .timeExceeded: return "time exceeded"
            case .unreachable(let code): return "unreachable (code \(code))"
            }
        }
    }

    public static func probe(through device: String, toward target: IPAddress, timeout: Double) throws(UplinkError) -> Answer? {
        let sock = try ICMPSocket(device: device, ttl: 1)
        guard sock.send(to: target, sequence: 1) else { return nil }
        let deadline = Clock.monotonic() + timeout
        while SocketSupport.waitReadable(sock.fd, until: deadline) {
            if let r = sock.drain().first { return Answer(address: r.source, rttMs: r.rttMs, kind: r.kind) }
        }
        return nil
    }
}
