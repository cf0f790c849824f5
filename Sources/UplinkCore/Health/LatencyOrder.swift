/// `prefer_latency` on mwan3: the order of the uplinks' member metrics, by priority and then
/// measured latency. Every change is a full mwan3 restart, so a new order is adopted at most
/// once per `minimumInterval`, never while failed over, and only when the new first uplink
/// is clearly faster than the current first (hysteresis).
public enum LatencyOrder {
    public static let minimumInterval = 600.0
    public static let hysteresis = (fraction: 0.2, ms: 5.0)

    public struct Candidate: Equatable, Sendable {
        public var peer: PeerID
        public var priority: Int
        public var latencyMs: Double?
        public var healthy: Bool
        public init(peer: PeerID, priority: Int, latencyMs: Double?, healthy: Bool) {
            self.peer = peer
            self.priority = priority
            self.latencyMs = latencyMs
            self.healthy = healthy
        }
    }

    /// The new order, or nil to keep the current one.
    public static func decide(current: [PeerID], candidates: [Candidate], lastReorder: Double?, now: Double,
                              failedOver: Bool) -> [PeerID]? {
        if failedOver { return nil }
        if let last = lastReorder, now - last < minimumInterval { return nil }
        let measured = candidates.filter { $0.healthy && $0.latencyMs != nil }
        guard measured.count >= 2 else { return nil }
        let proposed = candidates.sorted { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            switch (a.healthy ? a.latencyMs : nil, b.healthy ? b.latencyMs : nil) {
            case let (la?, lb?): return la != lb ? la < lb : a.peer < b.peer
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.peer < b.peer
            }
        }.map(\.peer)
        let known = current.filter { p in candidates.contains { $0.peer == p } }
        if known == proposed { return nil }
        // the leader of the first priority level decides: switch only if clearly faster
        if let curFirst = known.first, let newFirst = proposed.first, curFirst != newFirst,
           let c = candidates.first(where: { $0.peer == curFirst }), let n = candidates.first(where: { $0.peer == newFirst }),
           c.priority == n.priority, c.healthy, let lc = c.latencyMs, let ln = n.latencyMs {
            let gain = lc - ln
            if gain < hysteresis.ms || gain < lc * hysteresis.fraction { return nil }
        }
        return proposed
    }
}
