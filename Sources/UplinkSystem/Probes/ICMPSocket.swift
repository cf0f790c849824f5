#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// A raw ICMP (or ICMPv6) socket, optionally bound to a device, that sends echo requests and
/// reads the matching replies without blocking, so the daemon can keep one per path in its
/// poll loop. Replies are matched by identifier, sequence and a per-socket nonce in the payload.
public final class ICMPSocket {
    public let fd: Int32
    public let device: String?
    public let family: AddressFamily
    public let identifier: UInt16
    private let nonce: UInt64
    private var sent: [UInt16: (target: IPAddress, at: Double)] = [:]
    /// The bound device's index (0 when unbound): a link-local IPv6 target's scope, and what a
    /// recreated device no longer has (SO_BINDTODEVICE binds by index).
    private let scope: UInt32
    public var boundIndex: UInt32 { scope }
    /// errno of the last send the kernel refused (ENODEV: the bound device is gone).
    public private(set) var lastSendError: Int32 = 0

    public struct Reply: Equatable, Sendable {
        public var source: IPAddress
        public var sequence: UInt16
        public var rttMs: Double
        /// An echo reply, or a router's error about the request (only with `ttl`).
        public var kind: ICMPMessage.Kind = .echoReply

        public init(source: IPAddress, sequence: UInt16, rttMs: Double, kind: ICMPMessage.Kind = .echoReply) {
            self.source = source
            self.sequence = sequence
            self.rttMs = rttMs
            self.kind = kind
        }
    }

    /// Errors from routers are read too (the socket was opened with a TTL).
    private let routerErrors: Bool

    /// `dontFragment` sets DF so an oversized echo fails instead of being fragmented (MTU checks).
    /// `mark` sets SO_MARK: with mwan3, its default-routing mark keeps the echo out of mwan3's
    /// policies (as mwan3track does), so a WAN held out of use can still be probed.
    /// `ttl` limits the hops a request may take; a router where it runs out answers with time
    /// exceeded (or unreachable), and those answers are read too (a tunnel's first hop).
    public init(device: String?, family: AddressFamily = .ipv4, dontFragment: Bool = false, mark: UInt32? = nil, ttl: Int? = nil) throws(UplinkError) {
        let v6 = family == .ipv6
        let fd = v6 ? socket(AF_INET6, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_ICMPV6))
                    : socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_ICMP))
        if fd < 0 { throw UplinkError(.ioError, "cannot open an \(v6 ? "ICMPv6" : "ICMP") socket (needs root): \(errnoText())") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        if let device {
            do { try SocketSupport.bind(fd, toDevice: device) } catch {
                close(fd)
                throw error
            }
        }
        if var m = mark, setsockopt(fd, SOL_SOCKET, SO_MARK, &m, socklen_t(4)) != 0 {
            let e = errnoText()
            close(fd)
            throw UplinkError(.ioError, "cannot mark a probe socket: \(e)")
        }
        if v6 {
            // ICMP6_FILTER: a bit set blocks that type; pass echo replies, and with a TTL
            // destination unreachable (1) and time exceeded (3)
            var filter = [UInt32](repeating: ~0, count: 8)
            var pass: [UInt8] = [ICMPv6Message.echoReply]
            if ttl != nil { pass += [1, 3] }
            for t in pass { filter[Int(t) >> 5] &= ~(UInt32(1) << (UInt32(t) & 31)) }
            _ = filter.withUnsafeMutableBytes { setsockopt(fd, Int32(IPPROTO_ICMPV6), 1, $0.baseAddress, socklen_t(32)) }
            if var t = ttl.map(Int32.init) {
                _ = setsockopt(fd, Int32(IPPROTO_IPV6), 16 /* IPV6_UNICAST_HOPS */, &t, socklen_t(4))
            }
            if dontFragment {
                var mode: Int32 = 2 // IPV6_PMTUDISC_DO
                _ = setsockopt(fd, Int32(IPPROTO_IPV6), 23 /* IPV6_MTU_DISCOVER */, &mode, socklen_t(4))
            }
        } else {
            // receive echo replies only, and with a TTL time exceeded / unreachable (ICMP_FILTER
            // is a mask of types to drop)
            var filter: UInt32 = ~(UInt32(1) << 0 | (ttl == nil ? 0 : UInt32(1) << 3 | UInt32(1) << 11))
            _ = setsockopt(fd, Int32(SOL_RAW), 1, &filter, socklen_t(4))
            if var t = ttl.map(Int32.init) {
                _ = setsockopt(fd, Int32(IPPROTO_IP), IP_TTL, &t, socklen_t(4))
            }
            if dontFragment {
                var mode: Int32 = 2 // IP_PMTUDISC_DO
                _ = setsockopt(fd, Int32(IPPROTO_IP), 10 /* IP_MTU_DISCOVER */, &mode, socklen_t(4))
            }
        }
        routerErrors = ttl != nil
        SocketSupport.setNonBlocking(fd)
        self.fd = fd
        self.device = device
        self.family = family
        scope = device.map { if_nametoindex($0) } ?? 0
        let r = (try? Keys.randomBytes(10)) ?? [UInt8](repeating: 7, count: 10)
        identifier = UInt16(r[0]) << 8 | UInt16(r[1])
        nonce = r[2..<10].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    deinit { close(fd) }

    /// Sends one echo request; false if the kernel refused it (no route, device down, ...) or
    /// the target is of the other family. A link-local IPv6 target leaves through the bound device.
    @discardableResult
    public func send(to target: IPAddress, sequence: UInt16, payloadSize: Int = 56) -> Bool {
        guard family.contains(target) else { return false }
        let at = Clock.monotonic()
        let n: Int
        switch target {
        case .v4(let v4):
            let pkt = ICMPMessage.echoRequest(identifier: identifier, sequence: sequence, nonce: nonce, payloadSize: payloadSize)
            var sa = SocketSupport.sockaddr(v4)
            n = withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, pkt, pkt.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == pkt.count ? 1 : 0
        case .v6(let b):
            let pkt = ICMPv6Message.echoRequest(identifier: identifier, sequence: sequence, nonce: nonce, payloadSize: payloadSize)
            var sa = SocketSupport.sockaddr6(b, scope: scope)
            n = withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, pkt, pkt.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            } == pkt.count ? 1 : 0
        }
        guard n == 1 else {
            lastSendError = errno
            return false
        }
        lastSendError = 0
        sent[sequence] = (target, at)
        if sent.count > 1024 { sent = sent.filter { at - $0.value.at < 10 } }
        return true
    }

    /// Every reply waiting on the socket that answers one of our requests.
    public func drain() -> [Reply] {
        var out: [Reply] = []
        var buf = [UInt8](repeating: 0, count: 2048)
        while true {
            var from = sockaddr_in6()
            var len = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let n = buf.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &from) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) }
                }
            }
            if n <= 0 { break }
            let now = Clock.monotonic()
            let packet = Array(buf[0..<n])
            if family == .ipv4 {
                guard let m = ICMPMessage.parse(packet), m.identifier == identifier,
                      m.kind == .echoReply ? m.nonce == nonce : routerErrors && (m.nonce == nil || m.nonce == nonce),
                      let s = sent[m.sequence], s.target == .v4(m.target) else { continue }
                sent[m.sequence] = nil
                out.append(Reply(source: .v4(m.source), sequence: m.sequence, rttMs: (now - s.at) * 1000, kind: m.kind))
            } else {
                let source = withUnsafeBytes(of: from.sin6_addr) { IPAddress.v6(Array($0)) }
                guard let m = ICMPv6Message.parse(packet), m.identifier == identifier,
                      m.kind == .echoReply ? m.nonce == nonce : routerErrors && (m.nonce == nil || m.nonce == nonce),
                      let s = sent[m.sequence], s.target == (m.target.map(IPAddress.v6) ?? source) else { continue }
                sent[m.sequence] = nil
                out.append(Reply(source: source, sequence: m.sequence, rttMs: (now - s.at) * 1000, kind: m.kind))
            }
        }
        return out
    }
}

/// Blocking pings for checks and `uplink test`: `count` rounds to every target at once.
public enum Ping {
    public struct Report: Sendable {
        public var perTarget: [IPAddress: (sent: Int, received: Int, rtts: [Double])]
        public var sendErrors: Int

        /// Targets that answered at least once.
        public var answered: Int { perTarget.values.filter { $0.received > 0 }.count }
        public var sent: Int { perTarget.values.reduce(0) { $0 + $1.sent } }
        public var received: Int { perTarget.values.reduce(0) { $0 + $1.received } }
        public var lossPct: Double { sent == 0 ? 100 : Double(sent - received) * 100 / Double(sent) }
        public var averageRtt: Double? {
            let all = perTarget.values.flatMap(\.rtts)
            return all.isEmpty ? nil : all.reduce(0, +) / Double(all.count)
        }
    }

    public static func run(targets: [IPAddress], device: String?, count: Int = 1, interval: Double = 0.2,
                           timeout: Double = 1, payloadSize: Int = 56, dontFragment: Bool = false) throws(UplinkError) -> Report {
        let family: AddressFamily = targets.first?.isV4 == false ? .ipv6 : .ipv4
        let sock = try ICMPSocket(device: device, family: family, dontFragment: dontFragment)
        var report = Report(perTarget: [:], sendErrors: 0)
        var seqTarget: [UInt16: IPAddress] = [:]
        var seq: UInt16 = 1
        for t in targets { report.perTarget[t] = (0, 0, []) }
        let start = Clock.monotonic()
        for round in 0..<max(1, count) {
            let roundAt = start + Double(round) * interval
            while Clock.monotonic() < roundAt { collect(sock, &report, seqTarget, until: roundAt) }
            for t in targets {
                if sock.send(to: t, sequence: seq, payloadSize: payloadSize) {
                    report.perTarget[t]!.sent += 1
                    seqTarget[seq] = t
                } else {
                    report.perTarget[t]!.sent += 1
                    report.sendErrors += 1
                }
                seq &+= 1
            }
        }
        let deadline = Clock.monotonic() + timeout
        while Clock.monotonic() < deadline && report.received < report.sent - report.sendErrors {
            collect(sock, &report, seqTarget, until: deadline)
        }
        return report
    }

    static func collect(_ sock: ICMPSocket, _ report: inout Report, _ seqTarget: [UInt16: IPAddress], until deadline: Double) {
        guard SocketSupport.waitReadable(sock.fd, until: deadline) else { return }
        for r in sock.drain() {
            guard let t = seqTarget[r.sequence] else { continue }
            report.perTarget[t]!.received += 1
            report.perTarget[t]!.rtts.append(r.rttMs)
        }
    }
}
