#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

/// Hands interfaces back to mwan3 (`mwan3 ifup`) all at once and within a time budget: on stop
/// procd sends SIGKILL after its term_timeout (15 s for our daemon), and mwan3 runs one command
/// at a time on its lock, so a serial hand-back of three interfaces at up to 20 s each could be
/// cut short with holds stranded. Every put-back is started at once, each is checked the way
/// mwan3 reports it (Mwan3Reconcile.putBack: tracking or online is done; a tracker still
/// disabled means mwan3 ignored it, e.g. netifd did not report the interface up, and it is run
/// again, at most `attempts` times), and the holds file always lists what is still out, so a
/// kill -9 in the middle leaves the rest for `wgctl uplink release`.
public enum Mwan3Handback {
    public struct Outcome: Equatable, Sendable {
        /// Interfaces mwan3 took back (tracking or online).
        public var returned: [String] = []
        /// Interfaces still out when the budget ran out (left in the holds file).
        public var remaining: [String] = []
    }

    public static let attempts = 3

    /// `held` are the interfaces to hand back; `keep` stay in the holds file whatever happens
    /// (none on stop). `sleep` is how the wait passes (a test's clock may be instant).
    public static func run(_ held: Set<String>, control: Mwan3Controlling, budget: Double,
                           log: (String) -> Void = { _ in }, sleep: (Double) -> Void = { usleep(UInt32($0 * 1_000_000)) }) -> Outcome {
        let start = Clock.monotonic()
        let deadline = start + budget
        // a command still running (an ifdown) must not land after our ifup: it gets a quarter of
        // the budget, then its process group is ended
        while !control.inFlight.isEmpty && Clock.monotonic() < start + budget / 4 {
            _ = control.finished()
            sleep(0.05)
        }
        if !control.inFlight.isEmpty {
            log("mwan3: ending \(control.inFlight.sorted().joined(separator: ", "))'s running command to hand it back in time")
            control.killAll()
            _ = control.finished()
        }
        var out = Outcome()
        var left = held
        var tries: [String: Int] = [:]
        var waiting = Set<String>()
        while !left.isEmpty && Clock.monotonic() < deadline {
            for iface in left.sorted() where !waiting.contains(iface) && !control.inFlight.contains(iface) && tries[iface, default: 0] < attempts {
                if control.start(.putBack(iface)) {
                    tries[iface, default: 0] += 1
                    waiting.insert(iface)
                } else {
                    log("mwan3: cannot run `mwan3 ifup \(iface)`")
                    tries[iface] = attempts
                }
            }
            for (action, _) in control.finished() {
                let iface = action.interface
                guard case .putBack = action, waiting.remove(iface) != nil else { continue }
                switch Mwan3Reconcile.putBack(ifaceState: control.interfaceState(iface), trackStatus: control.trackStatus(iface)) {
                case .confirmed, .tracking:
                    left.remove(iface)
                    out.returned.append(iface)
                    try? control.saveHolds(left)
                case .ignored:
                    log("mwan3: ifup \(iface) was ignored (tracker \(control.trackStatus(iface) ?? "absent"))\(tries[iface, default: 0] < attempts ? ": again" : "")")
                }
            }
            if left.allSatisfy({ tries[$0, default: 0] >= attempts && !waiting.contains($0) }) { break }
            sleep(0.05)
        }
        if !waiting.isEmpty { control.killAll(); _ = control.finished() }
        out.remaining = left.sorted()
        try? control.saveHolds(left)
        return out
    }
}
