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
        let now = Clock.monotonic()
        for (action, st) in mwan3.finished() { onMwan3Finished(action, state: st) }
        let paths = specs.compactMap { spec -> Mwan3Hold.Path? in
            guard let t = trackers[spec.key] else { return nil }
            let iface = mwan3Interface(spec)
            return Mwan3Hold.Path(interface: iface, state: t.health.state, mwan3State: mwan3.interfaceState(iface))
        }
        var retry = Double.infinity
        for action in Mwan3Hold.decide(paths: paths, held: held, inFlight: mwan3.inFlight) {
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
                log("mwan3: ifdown \(iface) (the daemon finds it down)")
            case .putBack:
                guard mwan3.start(action) else {
                    log("mwan3: cannot run `mwan3 ifup \(iface)`")
                    continue
                }
                next.remove(iface)
                try? mwan3.saveHolds(next)
                log("mwan3: ifup \(iface) (\(paths.contains { $0.interface == iface } ? "healthy for \(policy.failbackSeconds) s" : "no longer a path the daemon watches"))")
            }
            held = next
            lastMwan3Command[iface] = (action, now)
            refreshFastSet()
            dirty = true
        }
        nextMwan3Check = min(retry, held.isEmpty && mwan3.inFlight.isEmpty ? .infinity : now + Self.mwan3CheckPeriod)
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

    /// Hands every hold back to mwan3 (stop, backend change); waits for running commands first
    /// so a late ifdown cannot undo the ifup.
    func releaseHolds(reason: String) {
        let deadline = Clock.monotonic() + Mwan3Control.timeout
        while !mwan3.inFlight.isEmpty && Clock.monotonic() < deadline {
            for (action, st) in mwan3.finished() { onMwan3Finished(action, state: st) }
            usleep(50_000)
        }
        guard !held.isEmpty else { return }
        for iface in held.sorted() {
            mwan3.runAndWait(.putBack(iface))
            log("mwan3: ifup \(iface) (\(reason): nothing stays out of mwan3 without the daemon)")
        }
        held = []
        do { try mwan3.saveHolds([]) } catch { log("mwan3: cannot clear the holds file: \(error.message)") }
    }
}

extension Mwan3Hold.Action {
    var verb: String {
        switch self { case .takeOut: return "ifdown"; case .putBack: return "ifup" }
    }
}
