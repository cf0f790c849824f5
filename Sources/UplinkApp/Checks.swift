#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

extension UplinkService {
    /// `wgctl uplink check`: one full round over every path, recorded in the runtime state
    /// (for cron, when no daemon runs). With a daemon running it asks the daemon instead.
    public func checkOnce() throws(UplinkError) -> JSONValue {
        let snap = try snapshot()
        let cfg = snap.configuration
        let backend = try BackendKind.choose(cfg.settings, mwan3Present: snap.tx.exists("mwan3"))
        snap.tx.finish()
        if let pid = snap.state.daemonPID, kill(pid_t(pid), 0) == 0, WakeSocket.send("check", to: paths.wakeSocket) {
            var j = JSONObject()
            j.set("success", true)
            j.set("delegated", true)
            j.set("message", "the daemon (pid \(pid)) runs the check; see wgctl uplink status")
            return j.value
        }
        let policy = HealthPolicy(settings: cfg.settings)
        var results: [JSONValue] = []
        let lock = try FileLock.acquire(paths.lockFile, timeout: lockTimeout)
        defer { lock.release() }
        let now = Clock.now()
        let checks = pathSpecs(cfg, backend: backend).map { spec in
            (spec, FullCheck.run(spec, settings: cfg.settings, standby: true, now: now))
        }
        // the probes took seconds: their verdicts go onto the file as it is now
        let saved = try RuntimeStateStore(paths: paths).update { state, _ in
            for (spec, check) in checks {
                var t = PathTracker(state.paths[spec.key] ?? PathHealth(kind: spec.kind, name: spec.name, device: spec.device))
                t.health.device = spec.device
                t.apply(check: check, at: now, policy: policy)
                state.paths[spec.key] = t.health
            }
            state.updated = now
        }.state
        for (spec, check) in checks {
            var j = JSONObject()
            j.set("path", spec.key)
            j.set("device", spec.device)
            j.set("state", saved.paths[spec.key]?.state.rawValue)
            j.set("latency_ms", check.latencyMs)
            j.set("loss_pct", check.lossPct)
            j.set("detail", check.detail)
            results.append(j.value)
        }
        var j = JSONObject()
        j.set("success", true)
        j.set("delegated", false)
        j.set("paths", .array(results))
        return j.value
    }
}
