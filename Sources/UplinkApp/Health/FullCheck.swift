import UplinkCore
import UplinkSystem

/// One full check of a path: k-of-n pings through its device, DNS through it, an HTTP probe
/// through it, and for an uplink the WireGuard handshake age and counters. Bounded: at most
/// about 6 s, and per path 2 pings per target + 1 DNS query + 1 HTTP request. A path's IPv6
/// side is checked with the IPv6 track targets and the tunnel's figures; DNS and HTTP, which
/// say whether names and the web work at all, are the IPv4 side's.
public enum FullCheck {
    /// Runs in this process (the daemon: on its check thread) but for HTTP, which goes to the
    /// one libcurl helper the process keeps; the tunnel's counters come from its UAPI socket or
    /// kernel WireGuard's netlink, without a process.
    public static func run(_ spec: PathSpec, settings: Settings, standby: Bool, now: Double) -> PathCheck {
        let targets = settings.trackTargets(spec.family)
        guard LinkMonitor.exists(spec.device) else {
            return PathCheck(verdict: .down, detail: "device \(spec.device) does not exist", standby: standby, startedAt: now)
        }
        let ping = try? Ping.run(targets: targets, device: spec.device, count: 2, interval: 0.2, timeout: 1.0)
        // the tunnel's figures after the pings: they made it handshake if it had to (a session
        // just renewed has none until its first packet)
        var handshake: Int? = nil
        var rx: Int? = nil, tx: Int? = nil
        if spec.isTunnel, let u = spec.uplink {
            let peer = LinuxKernel().dump(spec.device)?.peers.first { $0.publicKey == u.publicKey.base64 }
            handshake = peer?.handshakeAge(now: Clock.now())
            rx = peer?.rxBytes
            tx = peer?.txBytes
        }
        let answered = ping?.answered ?? 0
        let loss = ping?.lossPct ?? 100
        var dnsOK: Bool? = nil
        var resolved: IPAddress? = nil
        let host = HTTPProbe.host(settings.probeURL)
        if spec.family == .ipv4, let server = IPAddress(settings.dnsServer) {
            let name = host.flatMap { IPAddress($0) == nil ? $0 : nil } ?? settings.probeDNSName
            if let a = try? DNSProbe.resolve(name, server: server, device: spec.device, timeout: 1.5) {
                dnsOK = a.rcode == 0 && !a.addresses.isEmpty
                if name == host { resolved = a.addresses.first }
            } else {
                dnsOK = false
            }
        }
        var httpOK: Bool? = nil
        if answered > 0, spec.family == .ipv4 {
            let literal = host.flatMap { IPAddress($0) }
            if literal != nil || resolved != nil {
                let pin = literal == nil ? resolved : nil
                let r = HTTPProbe.get(url: settings.probeURL, device: spec.device, resolved: pin, timeout: 3)
                httpOK = r.status == settings.probeStatus
            }
        }
        let verdict = PathCheck.judge(answered: answered, reliability: min(settings.trackReliability, max(1, targets.count)),
                                      lossPct: loss, httpOK: httpOK, dnsOK: dnsOK, handshakeAge: handshake, isTunnel: spec.isTunnel)
        var detail = "\(answered)/\(targets.count) targets answered"
        if let h = httpOK { detail += h ? ", HTTP ok" : ", HTTP failed" }
        if let d = dnsOK { detail += d ? ", DNS ok" : ", DNS failed" }
        if spec.isTunnel { detail += handshake.map { ", handshake \($0) s ago" } ?? ", no handshake" }
        return PathCheck(verdict: verdict, latencyMs: ping?.averageRtt, lossPct: loss, handshakeAge: handshake,
                         rxBytes: rx, txBytes: tx, detail: detail, standby: standby, startedAt: now)
    }
}
