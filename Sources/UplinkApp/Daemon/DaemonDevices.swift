import UplinkCore
import UplinkSystem

/// Device lifecycles: a path's probe follows its device. A WAN's device is deleted and made
/// again under its name on every PPPoE reconnect (pppoe-wan), by LTE/QMI modems and USB
/// tethering, and an uplink's by netifd on a network reload; a socket bound to the old device
/// only ever fails with ENODEV. So the daemon re-reads its paths (a WAN's device as netifd or
/// the main table names it now) on every hotplug ifup/ifdown, on link events of its devices and
/// at each full check, and replaces a probe whose device is gone, made again (another index) or
/// renamed. A WAN whose device is gone is down for that reason; its tracker is kept, so when the
/// device returns the WAN earns the failback hysteresis like any WAN that was down.
extension Daemon {
    /// Links named in a netlink batch (empty: unknown, every one): re-read the paths when one
    /// of them is ours or a configured WAN device, then re-bind the probes.
    func followDevices(_ names: Set<String>, rereadPaths: Bool = true) {
        let ours = Set(specs.map(\.device)).union(configuration.settings.wanDevices).union(vanished.values.compactMap(\.health.device))
        if rereadPaths && (names.isEmpty || !names.isDisjoint(with: ours)) { refreshPaths(reason: "link change") }
        refreshFastSet()
    }

    /// Re-reads the paths; when they differ (a WAN's device appeared, went or changed), the
    /// probes, trackers and choice follow.
    func refreshPaths(reason: String) {
        let fresh = currentSpecs()
        guard fresh != specs else { return }
        let before = Dictionary(specs.map { ($0.key, $0.device) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(fresh.map { ($0.key, $0.device) }, uniquingKeysWith: { a, _ in a })
        var notes: [String] = []
        for (k, d) in after.sorted(by: { $0.key < $1.key }) where before[k] != d {
            notes.append(before[k].map { "\(k) now on \(d) (was \($0))" } ?? "\(k) on \(d) appeared")
        }
        for k in before.keys.sorted() where after[k] == nil { notes.append("\(k) gone") }
        if !notes.isEmpty { log("paths changed (\(reason)): \(notes.joined(separator: "; "))") }
        rebuildPaths(fresh)
        for (f, a) in activeByFamily where a != Self.unreachable && trackers[a] == nil { activeByFamily[f] = nil }
        reselect(reason: "paths changed")
        for f in families where activeByFamily[f] == nil { switchTo(firstWAN(f), family: f, reason: "paths changed") }
        enforceMwan3()
        saveState(force: true)
    }

    /// A WAN path whose spec went away (no device, no default route) while the configuration
    /// still names it: its tracker is kept down, so it comes back as a WAN that was down, never
    /// as an unproven one that beats the uplinks. A WAN the configuration no longer names is
    /// let go (and forgotten by vanished).
    func keepVanished(_ old: [String: PathTracker], fresh: [PathSpec]) {
        let keys = Set(fresh.map(\.key))
        if let configured = configuredWANs { vanished = vanished.filter { configured.contains($0.key) } }
        for (k, t) in old where !keys.contains(k) && t.health.kind == .wan && (configuredWANs?.contains(k) ?? true) {
            var t = t
            if t.health.state != .down {
                t.health.consecutiveFailures = max(t.health.consecutiveFailures, policy.failuresToFail)
                t.health.consecutiveSuccesses = 0
                t.health.detail = "device \(t.health.device) is gone"
                t.set(.down, Clock.now())
                log("\(k): \(old[k]!.health.state.rawValue) → down (device \(t.health.device) is gone)")
            }
            vanished[k] = t
        }
    }

    static func describeRebind(_ p: FastProbe, spec: PathSpec, index: UInt32?) -> String {
        if p.device != spec.device { return "device \(p.device) → \(spec.device)" }
        guard let index else { return "device \(spec.device) is gone" }
        return p.deviceGone && p.boundIndex == index
            ? "sends on \(spec.device) failed: device gone"
            : "\(spec.device) was made again: index \(p.boundIndex) → \(index)"
    }
}
