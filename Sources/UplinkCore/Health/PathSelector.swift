/// Chooses the path that should carry the default route.
///
/// A healthy WAN always wins (failback needs the tracker's long healthy run first). Without
/// one, and with auto_failover on, the uplinks are ranked: health first (up, then degraded,
/// then unknown; down never), then an offer saying unavailable or expired demotes, metered
/// uplinks are the last resort, then priority, then measured latency (prefer_latency, with
/// hysteresis so a few milliseconds never cause a switch), then advertised bandwidth.
public struct PathCandidate: Equatable, Sendable {
    public var key: String
    public var health: PathHealth
    public var priority: Int
    public var offerAvailable: Bool?
    public var metered: Bool
    public var bandwidthMbps: Int?

    public init(key: String, health: PathHealth, priority: Int = 0, offerAvailable: Bool? = nil, metered: Bool = false,
                bandwidthMbps: Int? = nil) {
        self.key = key
        self.health = health
        self.priority = priority
        self.offerAvailable = offerAvailable
        self.metered = metered
        self.bandwidthMbps = bandwidthMbps
    }
}

public enum PathSelector {
    /// Latency must improve by this fraction and this many ms before a healthy active uplink is replaced.
    public static let latencyHysteresis = (fraction: 0.3, ms: 10.0)

    public static func choose(current: String?, wans: [PathCandidate], uplinks: [PathCandidate], settings: Settings) -> String? {
        // a WAN not proven dead is used (at start every path is unknown)
        for state in [HealthState.up, .degraded, .unknown] {
            if let wan = wans.first(where: { $0.health.state == state }) { return wan.key }
        }
        guard settings.enabled, settings.autoFailover else {
            return wans.first?.key ?? current
        }
        let ranked = rank(uplinks, settings: settings)
        guard let best = ranked.first else {
            // nothing usable: stay on a WAN (traffic may yet come back) rather than a dead uplink
            return wans.first?.key ?? current
        }
        // keep a healthy current uplink unless the best one is clearly better
        if let cur = ranked.first(where: { $0.key == current }), cur.key != best.key,
           tier(cur) == tier(best), cur.priority == best.priority {
            if settings.preferLatency, let lc = cur.health.latencyMs, let lb = best.health.latencyMs {
                let better = lc - lb
                if better < latencyHysteresis.ms || better < lc * latencyHysteresis.fraction { return cur.key }
            } else {
                return cur.key
            }
        }
        return best.key
    }

    /// What `choose` answers when no path of a family is usable and the backend can say so.
    public static let unreachable = "unreachable"

    /// `choose` for one family. For IPv6, when every path of the family is proven dead (and
    /// there is at least one), the answer is `unreachable`: the router then answers "no route"
    /// at once, and a client's happy eyeballs falls back to IPv4 in a round trip, instead of
    /// sending IPv6 into a dead WAN until it times out. IPv4 keeps `choose`'s answer (stay on
    /// a WAN: traffic may yet come back, and there is no other family to fall back to).
    public static func choose(family: AddressFamily, current: String?, wans: [PathCandidate], uplinks: [PathCandidate],
                              settings: Settings, canWithdraw: Bool) -> String? {
        let all = wans + uplinks
        if family == .ipv6, canWithdraw, !all.isEmpty, all.allSatisfy({ $0.health.state == .down }) { return unreachable }
        return choose(current: current == unreachable ? nil : current, wans: wans, uplinks: uplinks, settings: settings)
    }

    /// Usable uplinks, best first.
    public static func rank(_ uplinks: [PathCandidate], settings: Settings) -> [PathCandidate] {
        uplinks.filter { $0.health.state != .down }.sorted { a, b in
            if tier(a) != tier(b) { return tier(a) < tier(b) }
            if a.priority != b.priority { return a.priority > b.priority }
            if settings.preferLatency, let la = a.health.latencyMs, let lb = b.health.latencyMs, abs(la - lb) >= 1 {
                return la < lb
            }
            if let ba = a.bandwidthMbps, let bb = b.bandwidthMbps, ba != bb { return ba > bb }
            return a.key < b.key
        }
    }

    /// 0 best: healthy, offered, unmetered; metered and unavailable offers sink.
    static func tier(_ c: PathCandidate) -> Int {
        var t = 0
        switch c.health.state {
        case .up: t = 0
        case .degraded: t = 1
        case .unknown: t = 2
        case .down: t = 9
        }
        if c.offerAvailable == false { t += 3 }
        if c.metered { t += 6 }
        return t
    }
}
