import UplinkCore
import UplinkSystem

/// `wgctl uplink release`: after the daemon is gone (stop, `enabled 0`, a kill -9 procd did not
/// respawn), every interface it recorded as held out of mwan3 is handed back with `mwan3 ifup`,
/// so no path stays out of mwan3 because the daemon died. Refused while a daemon runs: the
/// holds are its decisions. `wait` is how long to wait for a stopping daemon to be gone: procd
/// returns from `stop` while the daemon is still handing back (up to its term_timeout), and the
/// init script's service_stopped runs then. All at once, as the daemon does (Mwan3Handback).
public enum Mwan3Release {
    public static let budget = 12.0

    public static func run(paths: Paths, control: Mwan3Controlling? = nil, wait: Double = 0) throws(UplinkError) -> [String] {
        let lock: FileLock
        do {
            lock = try FileLock.acquire(paths.path("var/run/wireguard-uplink.daemon.lock"), timeout: max(0.2, wait))
        } catch {
            throw UplinkError(.locked, "a daemon is running and owns the mwan3 holds; stop it first (it releases them on stop)")
        }
        defer { _ = lock }
        let c = control ?? Mwan3Control(paths: paths)
        let held = c.loadHolds()
        guard !held.isEmpty else { return [] }
        let out = Mwan3Handback.run(held, control: c, budget: budget, known: mwan3Interfaces(paths))
        if !out.remaining.isEmpty {
            throw UplinkError(.commandFailed, "mwan3 did not take back \(out.remaining.joined(separator: ", ")) (is netifd reporting it up?); they stay in \(Mwan3Control(paths: paths).holdsFile) for the next release")
        }
        return out.returned.sorted()
    }

    /// The interfaces of /etc/config/mwan3 (nil when it cannot be read: every hold is tried).
    static func mwan3Interfaces(_ paths: Paths) -> Set<String>? {
        guard let tx = try? ConfigTransaction(paths: paths, packages: ["mwan3"], write: false),
              let mwan3 = tx.document("mwan3")?.package else { return nil }
        return Set(Mwan3Layout(mwan3: mwan3).tableIDs.keys)
    }
}
