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
        /// Interfaces mwan3's configuration no longer has: nothing to hand back, dropped.
        public var dropped: [String] = []
    }

    public static let attempts = 3
    /// How long a put-back may look ignored before it is run again: `mwan3 ifup` signals the
    /// tracker last (USR2, through procd), and the tracker finishes its running ping round
    /// (up to mwan3's `timeout`, 4 s by default, on a path whose targets are dead) before it
    /// leaves `disabled`.
    public static let patience = 5.0

    /// `held` are the interfaces to hand back; `known` the interfaces mwan3's configuration has
    /// (nil: not known, all are tried). `sleep` is how the wait passes.
    public static func run(_ held: Set<String>, control: Mwan3Controlling, budget: Double, known: Set<String>? = nil,
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
        if let known {
            out.dropped = left.subtracting(known).sorted()
            left.formIntersection(known)
            if !out.dropped.isEmpty { try? control.saveHolds(left) }
        }
        var tries: [String: Int] = [:]
        var running = Set<String>()
        /// Since when each finished put-back has looked ignored.
        var unconfirmed: [String: Double] = [:]
        func settle(_ iface: String) -> Bool {
            switch Mwan3Reconcile.putBack(ifaceState: control.interfaceState(iface), trackStatus: control.trackStatus(iface)) {
            case .confirmed, .tracking:
                left.remove(iface)
                unconfirmed[iface] = nil
                out.returned.append(iface)
                try? control.saveHolds(left)
                return true
            case .ignored:
                return false
            }
        }
        while !left.isEmpty && Clock.monotonic() < deadline {
            let now = Clock.monotonic()
            for iface in left.sorted() where !running.contains(iface) && !control.inFlight.contains(iface) && tries[iface, default: 0] < attempts {
                if let since = unconfirmed[iface], now - since < patience { continue }
                if unconfirmed[iface] != nil { log("mwan3: ifup \(iface) was not taken (tracker \(control.trackStatus(iface) ?? "absent")): again") }
                if control.start(.putBack(iface)) {
                    tries[iface, default: 0] += 1
                    running.insert(iface)
                    unconfirmed[iface] = nil
                } else {
                    log("mwan3: cannot run `mwan3 ifup \(iface)`")
                    tries[iface] = attempts
                }
            }
            for (action, _) in control.finished() {
                let iface = action.interface
                guard case .putBack = action, running.remove(iface) != nil else { continue }
                if !settle(iface) { unconfirmed[iface] = Clock.monotonic() }
            }
            for iface in unconfirmed.keys.sorted() where left.contains(iface) { _ = settle(iface) }
            let exhausted = left.allSatisfy { tries[$0, default: 0] >= attempts && !running.contains($0)
                && Clock.monotonic() - (unconfirmed[$0] ?? -.infinity) >= patience }
            if exhausted { break }
            sleep(0.05)
        }
        if !running.isEmpty { control.killAll(); _ = control.finished() }
        out.remaining = left.sorted()
        try? control.saveHolds(left)
        return out
    }
}
