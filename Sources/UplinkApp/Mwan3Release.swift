import UplinkCore
import UplinkSystem

/// `wgctl uplink release`: after the daemon is gone (stop, `enabled 0`, a kill -9 procd did not
/// respawn), every interface it recorded as held out of mwan3 is handed back with `mwan3 ifup`,
/// so no path stays out of mwan3 because the daemon died. Refused while a daemon runs: the
/// holds are its decisions.
public enum Mwan3Release {
    public static func run(paths: Paths, control: Mwan3Controlling? = nil) throws(UplinkError) -> [String] {
        let lock: FileLock
        do {
            lock = try FileLock.acquire(paths.path("var/run/wireguard-uplink.daemon.lock"), timeout: 0.2)
        } catch {
            throw UplinkError(.locked, "a daemon is running and owns the mwan3 holds; stop it first (it releases them on stop)")
        }
        defer { _ = lock }
        let c = control ?? Mwan3Control(paths: paths)
        let held = c.loadHolds().sorted()
        for iface in held { c.runAndWait(.putBack(iface)) }
        if !held.isEmpty { try c.saveHolds([]) }
        return held
    }
}
