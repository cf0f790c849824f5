import UCI

/// mwan3track's timing model (2.11/2.12, ping): each failed round tries all N targets one
/// after another, each costing `(count-1) + timeout` seconds; `down` failed rounds in a row
/// take an interface offline, with `failure_interval` slept between them and `interval`
/// after the last good round. Worst case from a silent failure to `disconnected`:
///
///     interval + down·N·((count-1) + timeout) + (down-1)·failure_interval
public struct Mwan3Tracking: Equatable, Sendable {
    public var targets: Int
    public var reliability: Int
    public var count = 1
    public var timeout = 1
    public var interval = 1
    public var failureInterval = 1
    public var recoveryInterval = 2
    public var down = 3
    public var up = 3

    /// mwan3track's defaults for options a section leaves out.
    public static func reading(_ s: UCISection) -> Mwan3Tracking {
        func int(_ o: String, _ d: Int) -> Int { s[o].flatMap { Int($0) } ?? d }
        var t = Mwan3Tracking(targets: s.list("track_ip").count, reliability: int("reliability", 1))
        t.count = int("count", 1)
        t.timeout = int("timeout", 4)
        t.interval = int("interval", 10)
        t.failureInterval = int("failure_interval", t.interval)
        t.recoveryInterval = int("recovery_interval", t.interval)
        t.down = int("down", 5)
        t.up = int("up", 5)
        return t
    }

    public var perTargetSeconds: Int { max(0, count - 1) + timeout }

    /// Worst-case seconds from a silent failure until mwan3 declares the interface offline.
    public var worstCaseDetection: Int {
        interval + down * targets * perTargetSeconds + (down - 1) * failureInterval
    }

    /// Worst-case seconds from recovery until mwan3 declares the interface online again
    /// (a good round costs about one probe per needed target; RTT rounded up to a second).
    public var worstCaseRecovery: Int {
        targets * perTargetSeconds + interval + up * reliability * max(1, count) + (up - 1) * recoveryInterval
    }

    /// Seconds a healthy interface with `initial_state offline` stays unused after mwan3 (re)starts
    /// its tracker: `up` good rounds, `recovery_interval` apart, each up to `timeout` per target.
    public var unusedAfterRestart: Int {
        (up - 1) * recoveryInterval + up * reliability * perTargetSeconds
    }

    /// The most robust settings (most failed rounds required, longest interval) whose worst
    /// case stays within `budget` seconds; nil if even the fastest settings do not fit.
    public static func derive(failoverTimeout budget: Int, targets: Int, reliability: Int) -> Mwan3Tracking? {
        for down in stride(from: 3, through: 1, by: -1) {
            var t = Mwan3Tracking(targets: targets, reliability: reliability)
            t.down = down
            t.timeout = 1
            t.failureInterval = 1
            t.interval = 1
            let fixed = t.worstCaseDetection - t.interval
            guard fixed + 1 <= budget else { continue }
            t.interval = min(10, budget - fixed)
            t.up = max(3, down + 1)
            t.recoveryInterval = 2
            return t
        }
        return nil
    }

    /// At most this many targets are tracked through an uplink by mwan3.
    public static let fallbackTargets = 2

    /// mwan3's tracking of an uplink when the daemon is the detector: a safety net for when the
    /// daemon is not running, not a second detector. Cheap (one round every 30 s, at most 2
    /// echoes a round: ≤ 240 echoes, ≈ 40 kB an hour per uplink, active or standby) and robust
    /// (one answering target of 2 keeps it up, 3 failed rounds take it down, 2 good rounds
    /// 1 s apart bring it back), whatever `failover_timeout` says: the daemon meets that budget.
    public static func uplinkFallback(targets: Int) -> Mwan3Tracking {
        var t = Mwan3Tracking(targets: min(max(1, targets), fallbackTargets), reliability: 1)
        t.count = 1
        t.timeout = 2
        t.interval = 30
        t.failureInterval = 5
        // a restart of mwan3 (any commit to its config) starts our uplinks offline: a healthy
        // one is proven and used again after 2 good rounds 1 s apart, not 5 s apart (a failed-
        // over router would have no path meanwhile). Recovery rounds are rare: cost is nil.
        t.recoveryInterval = 1
        t.down = 3
        t.up = 2
        return t
    }

    /// Echo requests per hour at most (every round pings each target once).
    public var maximumEchoesPerHour: Int { 3600 / max(1, interval) * targets * max(1, count) }

    /// Options for our own mwan3 interface sections (the first `targets` of `trackIPs`).
    public func options(trackIPs: [String]) -> [UCIOption] {
        [
            UCIOption("track_method", "ping"),
            UCIOption("track_ip", list: Array(trackIPs.prefix(targets))),
            UCIOption("reliability", String(reliability)),
            UCIOption("count", String(count)),
            UCIOption("size", "56"),
            UCIOption("max_ttl", "60"),
            UCIOption("timeout", String(timeout)),
            UCIOption("interval", String(interval)),
            UCIOption("failure_interval", String(failureInterval)),
            UCIOption("recovery_interval", String(recoveryInterval)),
            UCIOption("down", String(down)),
            UCIOption("up", String(up)),
        ]
    }
}
