import Glibc
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
        var (state, _) = RuntimeStateStore(paths: paths).load()
        let now = Clock.now()
        for spec in pathSpecs(cfg, backend: backend) {
            let check = FullCheck.run(spec, settings: cfg.settings, standby: true, now: now)
            var t = PathTracker(state.paths[spec.key] ?? PathHealth(kind: spec.kind, name: spec.name, device: spec.device))
            t.health.device = spec.device
            t.apply(check: check, at: now, policy: policy)
            state.paths[spec.key] = t.health
            var j = JSONObject()
            j.set("path", spec.key)
            j.set("device", spec.device)
            j.set("state", t.health.state.rawValue)
            j.set("latency_ms", check.latencyMs)
            j.set("loss_pct", check.lossPct)
            j.set("detail", check.detail)
            results.append(j.value)
        }
        state.updated = now
        try RuntimeStateStore(paths: paths).save(state)
        var j = JSONObject()
        j.set("success", true)
        j.set("delegated", false)
        j.set("paths", .array(results))
        return j.value
    }
}
