/// How writers of the runtime state share one file. Each writer changes the state under the
/// state lock, starting from what is on disk now (RuntimeStateStore.update), and changes only
/// what it owns:
/// - the daemon owns path health, the active path, the mesh replay window, its own offer,
///   the latency order, its automatic adds and removals (`auto_add`), its mwan3 repairs (`mwan3`) and its pid; offers and counters it adds to what is there;
/// - commands prune paths and offers only while no daemon runs (with a daemon, they notify
///   it and it rewrites its part).
extension RuntimeState {
    /// `self` is the file as it is now; `mine` is the daemon's view. Offers heard by either
    /// survive (the later-received copy wins), expired ones are dropped; counters take the
    /// larger value, so a count the daemon loaded at start is never counted twice.
    public func adopting(daemon mine: RuntimeState, now: Double) -> RuntimeState {
        var out = self
        out.activePath = mine.activePath
        out.activePath6 = mine.activePath6
        out.failoverActive = mine.failoverActive
        out.paths = mine.paths
        out.meshSeen = mine.meshSeen
        out.ownOffer = mine.ownOffer
        out.autoAdd = mine.autoAdd
        out.mwan3 = mine.mwan3
        out.latencyOrder = mine.latencyOrder
        out.lastReorder = mine.lastReorder
        out.daemonPID = mine.daemonPID
        out.daemonUpdated = mine.daemonUpdated
        out.updated = max(updated, mine.updated)
        for (k, o) in mine.offers where (out.offers[k]?.received ?? -.infinity) <= o.received {
            out.offers[k] = o
        }
        for (k, o) in out.offers where o.isExpired(at: now) { out.offers[k] = nil }
        if out.offers.count > Self.maximumOffers {
            let keep = out.offers.sorted { $0.value.received > $1.value.received }.prefix(Self.maximumOffers)
            out.offers = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
        for (k, n) in mine.counters { out.counters[k] = max(out.counters[k] ?? 0, n) }
        return out
    }
}
