#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

/// `status` → `auto_add`: whether the daemon keeps min_uplinks itself, how many uplinks count,
/// what it did lately and why it waits. The decision is AutoAdd's on the saved state, the
/// same inputs the daemon decides from.
extension UplinkService {
    /// `waiting`: the whole explanation; `why`: the same without the count (for a warning that
    /// already gives it).
    func autoAddStatus(_ snap: Snapshot, now: Double) -> (json: JSONValue, waiting: String, why: String) {
        let cfg = snap.configuration
        let s = cfg.settings
        let record = snap.state.autoAdd
        var health: [String: HealthState] = [:]
        for u in cfg.uplinks { health[u.peer.rawValue] = snap.state.paths["uplink:\(u.peer.rawValue)"]?.state ?? .unknown }
        let d = AutoAdd.decide(settings: s, uplinks: cfg.uplinks, health: health, offers: snap.state.offers, record: record, now: now)
        let running = snap.state.daemonPID.map { kill(pid_t($0), 0) == 0 } ?? false
        var waiting = d.explanation, why = d.reason.isEmpty ? d.explanation : d.reason
        if let f = record.inFlight, running {
            waiting = "\(f.kind == .add ? "adding" : "removing") \(f.peer) now (\(f.reason))"
            why = waiting
        } else if s.enabled && s.autoAdd && !running {
            waiting = "the daemon is not running, so nothing is added or removed (\(d.explanation))"
            why = waiting
        }
        var j = JSONObject()
        j.set("enabled", s.enabled && s.autoAdd)
        j.set("min_uplinks", s.minUplinks)
        j.set("healthy_uplinks", d.counted)
        j.set("waiting", waiting)
        j.set("candidate", d.candidate?.rawValue)
        j.set("next_add_at", d.nextAddAt)
        j.set("next_add_in_s", d.nextAddAt.map { Int(max(0, $0 - now).rounded(.up)) })
        j.set("in_flight", record.inFlight.map(AutoAddRecord.encode) ?? .null)
        j.set("skip", .array(s.autoAddSkip.map(JSONValue.string)))
        j.set("automatic", .array(cfg.uplinks.filter(\.automatic).map { .string($0.peer.rawValue) }))
        j.set("offer_missing_since", .object(record.offerMissingSince.keys.sorted().map { ($0, .double(record.offerMissingSince[$0]!)) }))
        // newest first
        j.set("actions", .array(record.actions.reversed().map(AutoAddRecord.encode)))
        return (j.value, waiting, why)
    }
}
