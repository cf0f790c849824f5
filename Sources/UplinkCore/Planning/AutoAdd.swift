/// `option auto_add '1'`: keep `min_uplinks` uplinks for real. With fewer counted uplinks than
/// min_uplinks, the daemon adds the best trusted offer zero-touch (at most one add per
/// `addSpacing`); an automatic uplink whose offer has been missing for `offerMissingLimit` is
/// removed (the gap is then refilled from current offers at the normal rate). A manual uplink
/// is never removed, and a peer the administrator removed by hand (`auto_add_skip`) is never
/// added. One decision at a time: at most one action, and always a sentence saying why.
public enum AutoAdd {
    /// At most one automatic add per minute (a failed attempt counts: it cost a grant request).
    public static let addSpacing = 60.0
    /// A peer whose automatic add (or removal) failed is not tried again for 10 minutes.
    public static let retryAfterFailure = 600.0
    /// An automatic uplink whose offer is missing this long is removed.
    public static let offerMissingLimit = 3600.0
    /// No removal in a daemon's first minutes: offers need a few announcements to arrive, and
    /// a router without a real-time clock may only now have jumped to the right time.
    public static let startGrace = 300.0

    public enum Action: Equatable, Sendable {
        case add(PeerID, reason: String)
        case remove(PeerID, reason: String)

        public var peer: PeerID {
            switch self {
            case .add(let p, _), .remove(let p, _): return p
            }
        }
        public var reason: String {
            switch self {
            case .add(_, let r), .remove(_, let r): return r
            }
        }
    }

    public struct Decision: Equatable, Sendable {
        public var action: Action?
        /// "1 of min_uplinks 2 healthy", when the count is what this decision is about.
        public var count: String?
        /// Why this action, or why none, beyond the count ("no trusted offer left to add (...)");
        /// empty when enough uplinks are counted.
        public var reason = ""
        /// Both: for the log (said when it changes) and `status`.
        public var explanation: String { [count, reason.isEmpty ? nil : reason].compactMap { $0 }.joined(separator: "; ") }
        /// Uplinks counted toward min_uplinks: usable and not down.
        public var counted: Int
        /// The best offer that could be added now or once the rate limit allows.
        public var candidate: PeerID?
        /// When the rate limit lets the next add start (set while it holds an add back).
        public var nextAddAt: Double?
    }

    /// Decides the next automatic action. `health` maps an uplink's peer id to the state of its
    /// IPv4 path (absent: unknown, which counts: a just-added uplink is not doubled).
    /// `mayRemove`: false during a daemon's `startGrace`.
    public static func decide(settings: Settings, uplinks: [UplinkConfig], health: [String: HealthState],
                              offers: [String: Offer], record: AutoAddRecord, now: Double, mayRemove: Bool = true) -> Decision {
        let counted = count(uplinks: uplinks, health: health)
        var d = Decision(action: nil, counted: counted)
        guard settings.enabled else {
            d.reason = "wireguard-uplink is disabled"
            return d
        }
        guard settings.autoAdd else {
            d.reason = "auto_add is off"
            return d
        }
        // a surplus automatic uplink whose offer has gone for an hour makes room (never a manual
        // one, never one min_uplinks still needs unless it is down)
        for u in uplinks.sorted(by: { $0.peer < $1.peer }) where u.automatic && mayRemove {
            guard let since = record.offerMissingSince[u.peer.rawValue], now - since >= offerMissingLimit,
                  !backingOff(u.peer, record, now) else { continue }
            let down = !u.usable || health[u.peer.rawValue] == .down
            guard down || counted - 1 >= settings.minUplinks else { continue }
            let minutes = Int((now - since) / 60)
            d.action = .remove(u.peer, reason: "its offer has been missing for \(minutes) min (automatic uplinks go after \(Int(offerMissingLimit / 60)) min)")
            d.reason = "removing \(u.peer): its offer has been missing for \(minutes) min"
            return d
        }
        let have = "\(counted) of min_uplinks \(settings.minUplinks) healthy"
        d.count = have
        guard counted < settings.minUplinks else { return d }
        let (ranked, excluded) = candidates(settings: settings, uplinks: uplinks, offers: offers, record: record, now: now)
        guard let best = ranked.first else {
            d.reason = "no trusted offer left to add" + (excluded.isEmpty ? "" : " (" + excluded.joined(separator: "; ") + ")")
            return d
        }
        d.candidate = best.peer
        if let last = record.lastAdd, now >= last, now - last < addSpacing {
            d.nextAddAt = last + addSpacing
            d.reason = "next add (\(best.peer)) when the rate limit allows (one add per \(Int(addSpacing)) s)"
            return d
        }
        let reason = "\(have); best of \(ranked.count) offer\(ranked.count == 1 ? "" : "s"): \(best.peer) (\(describe(best)))"
        d.action = .add(best.peer, reason: reason)
        d.reason = "adding \(best.peer) (\(describe(best)))"
        return d
    }

    /// Uplinks counted toward min_uplinks: usable (enabled, no adoption problem) and not down.
    public static func count(uplinks: [UplinkConfig], health: [String: HealthState]) -> Int {
        uplinks.filter { $0.usable && health[$0.peer.rawValue] != .down }.count
    }

    /// Offers that may be added, best first, and a short note for each trusted offer left out
    /// for a reason the administrator may want to know (skip list, back-off, unavailable).
    public static func candidates(settings: Settings, uplinks: [UplinkConfig], offers: [String: Offer], record: AutoAddRecord,
                                  now: Double) -> (ranked: [Offer], excluded: [String]) {
        var ok: [Offer] = [], excluded: [String] = []
        for key in offers.keys.sorted() {
            let o = offers[key]!
            if o.peer.rawValue == settings.nodeID || uplinks.contains(where: { $0.peer == o.peer }) || o.isExpired(at: now) { continue }
            if let same = uplinks.first(where: { !$0.endpoint.host.isEmpty && $0.endpoint.host == o.endpoint.host }) {
                // the same router under another peer id (an adopted tunnel marked by hand)
                excluded.append("\(o.peer) is reached already: uplink \(same.peer) has the same endpoint host")
            } else if settings.autoAddSkip.contains(o.peer.rawValue) {
                excluded.append("\(o.peer) was removed by hand: on auto_add_skip")
            } else if !o.trusted {
                excluded.append("\(o.peer) is untrusted")
            } else if o.withdrawn {
                excluded.append("\(o.peer) withdrew its offer")
            } else if !o.available {
                excluded.append("\(o.peer) says it is unavailable")
            } else if backingOff(o.peer, record, now) {
                excluded.append("\(o.peer) could not be added; tried again \(Int(retryAfterFailure / 60)) min after that")
            } else {
                ok.append(o)
            }
        }
        return (ok.sorted(by: better), excluded)
    }

    /// Path selection's order for offers: unmetered first, then lower advertised latency, then
    /// higher bandwidth (an unknown figure after every known one), then peer id.
    public static func better(_ a: Offer, _ b: Offer) -> Bool {
        if a.metered != b.metered { return !a.metered }
        switch (a.latencyMs, b.latencyMs) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        switch (a.bandwidthMbps, b.bandwidthMbps) {
        case let (x?, y?) where x != y: return x > y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        return a.peer < b.peer
    }

    /// Since when each automatic uplink's offer has been missing (expired, absent or
    /// withdrawn): an offer present again clears it, a peer that is no automatic uplink any
    /// more is forgotten, and a time already recorded is kept.
    public static func offerMissingSince(uplinks: [UplinkConfig], offers: [String: Offer], previous: [String: Double],
                                         now: Double) -> [String: Double] {
        var out: [String: Double] = [:]
        for u in uplinks where u.automatic {
            let k = u.peer.rawValue
            if let o = offers[k], !o.isExpired(at: now), !o.withdrawn { continue }
            // a clock that went back must not postpone the hour by the jump
            out[k] = min(previous[k] ?? now, now)
        }
        return out
    }

    static func backingOff(_ peer: PeerID, _ record: AutoAddRecord, _ now: Double) -> Bool {
        guard let failed = record.failures[peer.rawValue] else { return false }
        return now >= failed && now - failed < retryAfterFailure
    }

    static func describe(_ o: Offer) -> String {
        var parts = [o.metered ? "metered" : "unmetered"]
        if let l = o.latencyMs { parts.append(l < 10 ? "\((l * 10).rounded() / 10) ms" : "\(Int(l.rounded())) ms") }
        if let b = o.bandwidthMbps { parts.append("\(b) Mbit/s") }
        return parts.joined(separator: ", ")
    }
}
