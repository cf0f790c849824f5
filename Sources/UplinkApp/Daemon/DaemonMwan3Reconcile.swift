import UplinkCore
import UplinkSystem

/// The daemon's picture against mwan3's, every few seconds and after every event
/// (Mwan3Reconcile decides): a put-back stays pending until mwan3 reports the interface online
/// and is run again while mwan3 ignored it; a path the daemon finds healthy that mwan3's
/// one-shot start left unused (tracker `disabled`) or unroutable (its table without a default
/// route) is repaired with `mwan3 ifup`, rate-limited, said in the log and in `status`
/// (runtime state `mwan3`).
extension Daemon {
    /// Seconds between looks at mwan3's interface tables (one `ip route` each time).
    static let mwan3TablePeriod = 3.0

    /// Returns when it wants to look again.
    func reconcileMwan3(now: Double) -> Double {
        var again = Double.infinity
        // mwan3 stopped: nothing of it to repair (every `mwan3` command recreates
        // /var/run/mwan3, so its trackers' directory is the sign it runs)
        guard mwan3.trackersRunning() else { return now + 1 }
        for (iface, since) in state.mwan3.pending.sorted(by: { $0.key < $1.key }) where !mwan3.inFlight.contains(iface) {
            if held.contains(iface) {
                state.mwan3.pending[iface] = nil
                continue
            }
            let track = mwan3.trackStatus(iface)
            switch Mwan3Reconcile.putBack(ifaceState: mwan3.interfaceState(iface), trackStatus: track) {
            case .confirmed:
                state.mwan3.pending[iface] = nil
                mwan3Attempts[iface] = nil
                log("mwan3: \(iface) is online again (\(Self.seconds(Clock.now() - since)) s after the put-back)")
                dirty = true
            case .tracking:
                again = min(again, now + Self.mwan3CheckPeriod)
            case .ignored:
                again = min(again, repair(iface, problem: "put_back_ignored",
                                          sentence: "mwan3 did not take the put-back (tracker \(track ?? "absent"))", now: now))
            }
        }
        // while mwan3 runs a command or its init script, what it shows is half-built: look later
        if mwan3.busy() { return min(again, now + Self.mwan3CheckPeriod * 2) }
        let observed = observations(now: now)
        let untracked = Set(observed.filter { $0.trackStatus == "disabled" && !held.contains($0.interface) }.map(\.interface))
        if untracked != mwan3Untracked {
            mwan3Untracked = untracked
            refreshFastSet()
        }
        let problems = Mwan3Reconcile.problems(observed, held: held, inFlight: mwan3.inFlight.union(state.mwan3.pending.keys))
        for (iface, problem) in problems {
            again = min(again, repair(iface, problem: problem.rawValue, sentence: problem.sentence, now: now))
        }
        let troubled = Set(problems.map(\.interface)).union(state.mwan3.pending.keys)
        for iface in mwan3Attempts.keys where !troubled.contains(iface) && !mwan3.inFlight.contains(iface) {
            mwan3Attempts[iface] = nil
            if mwan3ProblemSaid.removeValue(forKey: iface) != nil { log("mwan3: \(iface) is as the daemon finds it again") }
        }
        return min(again, max(nextMwan3Reconcile, now + 1))
    }

    /// What mwan3 shows of every path; its tables are read at most every mwan3TablePeriod.
    func observations(now: Double) -> [Mwan3Reconcile.Observation] {
        var obs: [Mwan3Reconcile.Observation] = []
        for spec in specs {
            guard let t = trackers[spec.key] else { continue }
            let iface = mwan3Interface(spec)
            obs.append(Mwan3Reconcile.Observation(interface: iface, state: t.health.state, ifaceState: mwan3.interfaceState(iface),
                                                  trackStatus: mwan3.trackStatus(iface)))
        }
        let candidates = obs.indices.filter { (obs[$0].state == .up || obs[$0].state == .degraded) && obs[$0].ifaceState == "online" }
        if !candidates.isEmpty && now >= nextMwan3Reconcile {
            nextMwan3Reconcile = now + Self.mwan3TablePeriod
            var tables: [AddressFamily: Set<Int>?] = [:]
            for i in candidates {
                let iface = obs[i].interface
                guard let id = mwan3Layout.tableIDs[iface] else { continue }
                let f = mwan3Layout.families[iface] ?? .ipv4
                if tables[f] == nil { tables[f] = .some(mwan3.tablesWithDefault(family: f)) }
                if let known = tables[f] ?? nil { obs[i].tableHasDefault = known.contains(id) }
            }
            // a table without its default route counts when a second look, a second later, sees
            // it too (mwan3rtmon fills the tables just after mwan3's start returns)
            var look: [String: Bool] = [:]
            for i in candidates {
                let iface = obs[i].interface
                guard let has = obs[i].tableHasDefault else { continue }
                if has {
                    tableMissingSince[iface] = nil
                } else if let since = tableMissingSince[iface], now - since >= 1 {
                    look[iface] = false
                    continue
                } else {
                    if tableMissingSince[iface] == nil { tableMissingSince[iface] = now }
                    nextMwan3Reconcile = min(nextMwan3Reconcile, now + 1)
                }
                obs[i].tableHasDefault = has ? true : nil
                if has { look[iface] = true }
            }
            lastTableLook = look
        } else {
            for i in candidates { obs[i].tableHasDefault = lastTableLook[obs[i].interface] }
            // with no candidate the next look is due as soon as one appears (a health change
            // calls this again); the timer below only keeps the periodic look going
        }
        return obs
    }

    /// `mwan3 ifup IFACE` for a repair or a put-back that did not take, at most as often as
    /// Mwan3Reconcile.retryDelay allows; returns when it may be tried next.
    func repair(_ iface: String, problem: String, sentence: String, now: Double) -> Double {
        let a = mwan3Attempts[iface] ?? (0, -.infinity)
        let due = a.last + Mwan3Reconcile.retryDelay(attempt: a.count)
        guard now >= due else { return due }
        guard a.count < Mwan3Reconcile.attemptLimit else {
            // ifup cannot mend it (netifd reports the interface down, no default route via its
            // device in the main table to copy): said once, tried again once it has gone away
            state.mwan3.pending[iface] = nil
            if mwan3ProblemSaid[iface] != "gave_up" {
                mwan3ProblemSaid[iface] = "gave_up"
                state.mwan3.record(Mwan3Record.Repair(time: Clock.now(), interface: iface, problem: problem, action: "gave_up", attempt: a.count))
                log("WARNING: mwan3: \(iface): \(sentence); \(a.count) ifups did not mend it, the daemon stops trying (is netifd reporting it up, with a default route through it?)")
                dirty = true
                saveState(force: true)
            }
            return .infinity
        }
        guard mwan3.start(.putBack(iface)) else {
            log("mwan3: cannot run `mwan3 ifup \(iface)` to repair it")
            return now + Mwan3Reconcile.retryDelay(attempt: a.count + 1)
        }
        let n = a.count + 1
        mwan3Attempts[iface] = (n, now)
        mwan3ProblemSaid[iface] = problem
        state.mwan3.record(Mwan3Record.Repair(time: Clock.now(), interface: iface, problem: problem, action: "ifup", attempt: n))
        log("mwan3: repair \(iface): \(sentence); ifup (attempt \(n))")
        if problem == "table_without_default" { lastTableLook[iface] = nil; tableMissingSince[iface] = nil }
        dirty = true
        saveState(force: true)
        return now + Mwan3Reconcile.retryDelay(attempt: n)
    }

    static func seconds(_ s: Double) -> String { String(Double(Int(s * 10)) / 10) }
}
