import UplinkCore
import UplinkSystem

/// A WireGuard session can outlive the provider's side of it: after the provider's WireGuard
/// restarts, ours keeps sending into a session the provider no longer has, and WireGuard only
/// handshakes again after 15 s without an answer (then the checks must notice). So an uplink
/// that goes down gets a fresh session at once and is checked again a second later, the same
/// for uplinks added by hand as for zero-touch ones (whose provider's returning offer does
/// it too). A dead provider is not hammered: renewals back off from 30 s to 10 minutes while
/// it stays down. Linux backend (on OpenWrt netifd owns the WireGuard device).
extension Daemon {
    static func renewalSpacing(after count: Int) -> Double { min(600, 30 * Double(1 << min(max(0, count - 1), 5))) }

    func renewDownSessions() {
        guard backend == .linux else { return }
        let now = Clock.monotonic()
        var plan: LinuxPlan? = nil
        // the tunnel is one session for both families: only its IPv4 side's death renews it (a
        // provider that lost only its IPv6 has a good session)
        for spec in specs where spec.kind == .uplink && spec.family == .ipv4 {
            guard let t = trackers[spec.key] else { continue }
            if t.health.state == .up || t.health.state == .degraded { sessionRenewals[spec.key] = nil }
            // an adopted tunnel's session is the administrator's: never reset (restartPeer would not)
            guard t.health.state == .down, let u = spec.uplink, !u.adopted, senses.ifindex(spec.device) != nil else { continue }
            let last = sessionRenewals[spec.key]
            if let last, now - last.at < Self.renewalSpacing(after: last.count) { continue }
            if plan == nil { plan = LinuxPlan(configuration: configuration) }
            guard let link = plan?.links.first(where: { $0.peer == u.peer }) else { continue }
            sessionRenewals[spec.key] = (now, (last?.count ?? 0) + 1)
            do {
                try kernel.restartPeer(link)
            } catch {
                log("\(spec.key): cannot renew its WireGuard session: \(error.message)")
                continue
            }
            var r = t
            r.health.consecutiveSuccesses = 0
            r.health.detail = "down; WireGuard session renewed, checking again"
            r.set(.unknown, Clock.now())
            trackers[spec.key] = r
            log("\(spec.key): down → unknown (WireGuard session renewed; checking again in 1 s)")
            nextFullCheck = min(nextFullCheck, now + 1)
            dirty = true
            saveState(force: true)
        }
    }
}
