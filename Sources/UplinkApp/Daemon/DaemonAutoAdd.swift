import UplinkCore
import UplinkSystem

/// option auto_add: the daemon keeps min_uplinks by adding the best trusted offer itself and
/// removing automatic uplinks whose offers have gone for an hour (AutoAdd decides). The add
/// or removal runs on AutoAddWorker's thread; the loop only decides, records and logs. What
/// it did and why it waits is in the runtime state (`auto_add`), which `status` shows.
extension Daemon {
    /// Called by the loop (tick): at most once a second, and never while an action runs.
    func autoAddIfDue() {
        let mono = Clock.monotonic()
        guard mono >= nextAutoAdd else { return }
        nextAutoAdd = mono + 1
        let now = Clock.now()
        var record = state.autoAdd
        record.offerMissingSince = AutoAdd.offerMissingSince(uplinks: configuration.uplinks, offers: state.offers,
                                                             previous: record.offerMissingSince, now: now)
        for peer in record.offerMissingSince.keys.sorted() where state.autoAdd.offerMissingSince[peer] == nil {
            log("auto_add: the offer of automatic uplink \(peer) is gone; the uplink is removed if it stays away \(Int(AutoAdd.offerMissingLimit / 60)) min")
        }
        for peer in state.autoAdd.offerMissingSince.keys.sorted() where record.offerMissingSince[peer] == nil
            && configuration.uplinks.contains(where: { $0.peer.rawValue == peer && $0.automatic }) {
            log("auto_add: automatic uplink \(peer) is offered again")
        }
        // back-offs that have run out are forgotten
        for (peer, t) in record.failures where now - t >= AutoAdd.retryAfterFailure || t > now + AutoAdd.retryAfterFailure { record.failures[peer] = nil }
        if record != state.autoAdd {
            state.autoAdd = record
            dirty = true
        }
        guard record.inFlight == nil, !autoAddWorker.isRunning else { return }
        let decision = AutoAdd.decide(settings: configuration.settings, uplinks: configuration.uplinks, health: uplinkHealth,
                                      offers: state.offers, record: record, now: now, mayRemove: mono - startedAt >= AutoAdd.startGrace)
        if decision.explanation != autoAddSaid {
            // said when it changes; "auto_add is off" only if it was on before
            if configuration.settings.autoAdd || autoAddSaid != nil { log("auto_add: \(decision.explanation)") }
            autoAddSaid = decision.explanation
        }
        guard let action = decision.action else { return }
        let job: AutoAddWorker.Job
        let kind: AutoAddRecord.Action.Kind
        switch action {
        case .add(let p, _):
            job = .add(p)
            kind = .add
            state.autoAdd.lastAdd = now
        case .remove(let p, _):
            job = .remove(p)
            kind = .remove
        }
        state.autoAdd.inFlight = AutoAddRecord.Action(time: now, kind: kind, peer: action.peer.rawValue, reason: action.reason, ok: false)
        // saved first: the worker's add reads the offer from the runtime state on disk
        saveState(force: true)
        if !autoAddWorker.start(job, service: service) {
            log("auto_add: cannot start a worker thread for \(kind.rawValue) \(action.peer); trying again later")
            state.autoAdd.inFlight = nil
            nextAutoAdd = mono + 10
            saveState(force: true)
        }
    }

    /// The worker's outcome: recorded, logged, and a failed peer backs off.
    func onAutoAddDone() {
        guard let outcome = autoAddWorker.take() else { return }
        let now = Clock.now()
        let peer: PeerID
        let verb: String
        switch outcome.job {
        case .add(let p): (peer, verb) = (p, "add")
        case .remove(let p): (peer, verb) = (p, "remove")
        }
        var a = state.autoAdd.inFlight
            ?? AutoAddRecord.Action(time: now, kind: verb == "add" ? .add : .remove, peer: peer.rawValue, reason: "", ok: false)
        a.time = now
        a.ok = outcome.error == nil
        a.error = outcome.error?.message
        state.autoAdd.inFlight = nil
        state.autoAdd.record(a)
        if let e = outcome.error {
            state.autoAdd.failures[peer.rawValue] = now
            log("auto_add: could not \(verb) \(peer): \(e.message); \(peer) is tried again in \(Int(AutoAdd.retryAfterFailure / 60)) min at the earliest")
        } else {
            state.autoAdd.failures[peer.rawValue] = nil
            if verb == "remove" { state.autoAdd.offerMissingSince[peer.rawValue] = nil }
            log("auto_add: \(verb == "add" ? "added" : "removed") \(peer) automatically (\(a.reason)); \(outcome.done ?? "")")
        }
        // the write asked for a reload (wake socket): decide again from the new configuration
        nextAutoAdd = Clock.monotonic() + 3
        autoAddSaid = nil
        dirty = true
        saveState(force: true)
    }

    /// At start: an action a previous daemon was carrying out when it died did not finish.
    func autoAddStart() {
        if let a = state.autoAdd.inFlight {
            var done = a
            done.ok = false
            done.error = "interrupted: the daemon stopped while it ran"
            state.autoAdd.inFlight = nil
            state.autoAdd.record(done)
            // an action that took the daemon down with it is not retried at once on every respawn
            state.autoAdd.failures[a.peer] = Clock.now()
            log("auto_add: the \(a.kind.rawValue) of \(a.peer) was interrupted by a daemon stop; checking the configuration again")
        }
    }

    /// At stop: let a running add finish (at most grant_timeout and a write), so no grant is
    /// left without its uplink.
    func autoAddStop() {
        guard autoAddWorker.isRunning else { return }
        log("auto_add: waiting for the running \(state.autoAdd.inFlight?.kind.rawValue ?? "action") of \(state.autoAdd.inFlight?.peer ?? "?") to finish")
        autoAddWorker.wait(upTo: Double(configuration.settings.grantTimeout) + 2)
        onAutoAddDone()
    }

    /// Each uplink's IPv4 state as the daemon tracks it (no tracker yet: unknown).
    var uplinkHealth: [String: HealthState] {
        var h: [String: HealthState] = [:]
        for u in configuration.uplinks { h[u.peer.rawValue] = trackers["uplink:\(u.peer.rawValue)"]?.health.state ?? .unknown }
        return h
    }
}
