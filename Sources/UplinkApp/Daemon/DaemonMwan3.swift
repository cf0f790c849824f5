#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

/// The mwan3 backend's enforcement: the daemon's verdicts become `mwan3 ifdown|ifup` of the
/// interfaces it finds dead or healthy again (Mwan3Hold decides), the holds are recorded in
/// /var/run before they are taken, re-asserted when mwan3 shows a held interface online again,
/// and handed back on stop. Flows follow: a path taken out loses its NATed connections, and a
/// WAN put back takes its flows back from the uplinks (option move_flows).
extension Daemon {
    /// Seconds between looks at mwan3's state while something is held or a command runs.
    static let mwan3CheckPeriod = 0.2
    /// The same command for the same interface is repeated at most this often (one mwan3
    /// ignores, e.g. on an interface it has disabled, must not loop).
    static let mwan3CommandSpacing = 2.0
    /// The hand-back on stop ends within this (procd's term_timeout for the daemon is 15 s).
    static let releaseBudget = 12.0

    /// The mwan3 interface of a path: a WAN's own (wan, wan6...), an uplink's device for its
    /// IPv4 side and its `w6_` interface for its IPv6 side.
    func mwan3Interface(_ spec: PathSpec) -> String {
        if spec.kind == .wan { return spec.name }
        return spec.family == .ipv4 ? spec.device : InterfaceNaming.ipv6InterfaceName(interface: spec.device)
    }

    /// Logs when the backend can no longer fail over, and when it can again.
    func checkBackend() {
        let now = BackendProblem.of(backend, configured: configuration.settings.backend, mwan3: mwan3.service())
        guard now != backendProblem else { return }
        if let now { log("WARNING: \(now.message)") } else if backendProblem != nil { log("mwan3 runs again: failover is enforced") }
        backendProblem = now
    }

    func enforceMwan3() {
        guard backend == .mwan3 else {
            nextMwan3Check = .infinity
            return
        }
        let now = clock()
        for (action, st) in mwan3.finished() { onMwan3Finished(action, state: st) }
        // mwan3's iface_state of every interface, read once for this look (it runs every 0.2 s
        // while something is held)
        var seen: [String: String?] = [:]
        for iface in mwan3Layout.tableIDs.keys { seen[iface] = mwan3.interfaceState(iface) }
        let stateOf = { (iface: String) -> String? in seen[iface] ?? self.mwan3.interfaceState(iface) }
        var paths = specs.compactMap { spec -> Mwan3Hold.Path? in
            guard let t = trackers[spec.key] else { return nil }
            let iface = mwan3Interface(spec)
            // a held path taken as down at start and not probed yet has no counts at all
            let assumed = t.health.state == .down && t.health.consecutiveFailures == 0 && t.health.consecutiveSuccesses == 0
            return Mwan3Hold.Path(interface: iface, state: t.health.state, mwan3State: stateOf(iface), measured: !assumed)
        }
        // a WAN without a device for now (a PPPoE session down) keeps a hold of ours (netifd's
        // ifdown already took it out of mwan3: nothing new is taken)
        for (_, t) in vanished where t.health.kind == .wan && held.contains(t.health.name) && !paths.contains(where: { $0.interface == t.health.name }) {
            paths.append(Mwan3Hold.Path(interface: t.health.name, state: .down, mwan3State: stateOf(t.health.name)))
        }
        let online = Set(seen.compactMap { $0.value == "online" ? $0.key : nil })
        var retry = Double.infinity
        for action in Mwan3Hold.decide(paths: paths, held: held, inFlight: mwan3.inFlight, peers: mwan3Layout.peers, online: online) {
            let iface = action.interface
            if let last = lastMwan3Command[iface], last.action == action, now - last.at < Self.mwan3CommandSpacing {
                retry = min(retry, last.at + Self.mwan3CommandSpacing)
                continue
            }
            var next = held
            switch action {
            case .takeOut:
                next.insert(iface)
                // the hold is on file before it is taken: a kill -9 from here on is undone by the respawn
                do { try mwan3.saveHolds(next) } catch {
                    log("mwan3: not taking \(iface) out: cannot record the hold: \(error.message)")
                    continue
                }
                guard mwan3.start(action) else {
                    log("mwan3: cannot run `mwan3 ifdown \(iface)` (is mwan3 installed?)")
                    try? mwan3.saveHolds(held)
                    continue
                }
                state.mwan3.pending[iface] = nil
                log("mwan3: ifdown \(iface) (the daemon finds it down)")
            case .putBack:
                // an interface mwan3 no longer has (an uplink removed, a WAN renamed): nothing to hand back
                guard mwan3Knows(iface) else {
                    next.remove(iface)
                    try? mwan3.saveHolds(next)
                    held = next
                    log("mwan3: \(iface) is no mwan3 interface any more: its hold is dropped")
                    continue
                }
                guard mwan3.start(action) else {
                    log("mwan3: cannot run `mwan3 ifup \(iface)`")
                    continue
                }
                next.remove(iface)
                try? mwan3.saveHolds(next)
                // kept until mwan3 reports it online (reconcileMwan3), run again if ignored
                state.mwan3.pending[iface] = Clock.now()
                mwan3Attempts[iface] = (1, now)
                log("mwan3: ifup \(iface) (\(paths.contains { $0.interface == iface } ? "healthy for \(policy.failbackSeconds) s" : "no longer a path the daemon watches"))")
            }
            held = next
            lastMwan3Command[iface] = (action, now)
            refreshFastSet()
            dirty = true
        }
        retry = min(retry, reconcileMwan3(now: now))
        // a dead path not yet taken out (mwan3's last online member) is looked at again soon too
        let waiting = paths.contains { $0.state == .down && !held.contains($0.interface) }
        let busy = !held.isEmpty || !mwan3.inFlight.isEmpty || !state.mwan3.pending.isEmpty || waiting
        nextMwan3Check = min(retry, busy ? now + Self.mwan3CheckPeriod : .infinity)
    }

    func onMwan3Finished(_ action: Mwan3Hold.Action, state: String?) {
        let iface = action.interface
        log("mwan3: \(action.verb) \(iface) done, mwan3 reports \(state ?? "no state")")
        guard configuration.settings.moveFlows else { return }
        let spec = specs.first { mwan3Interface($0) == iface }
        switch action {
        case .takeOut:
            if let spec, let addr = natAddress(spec), kernel.flushConntrack(replyDestination: addr) {
                log("mwan3: flushed connections NATed to \(addr) (\(iface)): they continue on the next path")
            }
        case .putBack:
            guard spec?.kind == .wan else { return }
            // only the returning WAN's family: a wan6 coming back leaves IPv4 flows alone
            for u in specs where u.kind == .uplink && u.family == spec?.family {
                if let addr = natAddress(u), kernel.flushConntrack(replyDestination: addr) {
                    log("mwan3: flushed connections NATed to \(addr) (\(u.device)): borrowed capacity returned to \(iface)")
                }
            }
        }
    }

    /// Whether mwan3's configuration has the interface, read again from disk before a no
    /// (an apply or a hand edit may have written it since the layout was read).
    func mwan3Knows(_ iface: String) -> Bool {
        if mwan3Layout.tableIDs[iface] != nil { return true }
        loadMwan3Layout()
        return mwan3Layout.tableIDs[iface] != nil
    }

    func loadMwan3Layout() {
        guard let tx = try? ConfigTransaction(paths: service.paths, packages: ["mwan3"], write: false) else { return }
        mwan3Layout = tx.document("mwan3").map { Mwan3Layout(mwan3: $0.package) } ?? Mwan3Layout()
    }

    /// Hands every hold (and every unconfirmed put-back) back to mwan3 (stop, backend change),
    /// all at once and within procd's stop timeout (Mwan3Handback).
    func releaseHolds(reason: String, budget: Double = Daemon.releaseBudget) {
        let all = held.union(state.mwan3.pending.keys)
        guard !all.isEmpty || !mwan3.inFlight.isEmpty else { return }
        // on file first: a SIGKILL from here on leaves every one of them to `wgctl uplink release`
        try? mwan3.saveHolds(all)
        loadMwan3Layout()
        let out = Mwan3Handback.run(all, control: mwan3, budget: budget, known: Set(mwan3Layout.tableIDs.keys), log: log)
        if !out.dropped.isEmpty { log("mwan3: \(out.dropped.joined(separator: ", ")) no longer in mwan3's configuration: holds dropped") }
        for iface in out.returned { log("mwan3: ifup \(iface) (\(reason): nothing stays out of mwan3 without the daemon)") }
        if !out.remaining.isEmpty {
            log("mwan3: \(out.remaining.joined(separator: ", ")) not taken back within \(Int(Self.releaseBudget)) s: left in the holds file for `wgctl uplink release`")
        }
        held = Set(out.remaining)
        state.mwan3.pending = [:]
        dirty = true
    }
}

extension Mwan3Hold.Action {
    var verb: String {
        switch self { case .takeOut: return "ifdown"; case .putBack: return "ifup" }
    }
}
