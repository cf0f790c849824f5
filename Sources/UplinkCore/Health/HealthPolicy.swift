/// Timing of the daemon's own checks, derived from the settings. The active path (and, when
/// failed over, every WAN) is probed every `fastPeriod` seconds, one echo per round to the
/// next track target; `failuresToFail` missed rounds in a row take it down; recovery needs
/// `successesToRecover` answered rounds in a row (a longer run, so a lossy link cannot flap).
public struct HealthPolicy: Equatable, Sendable {
    public var fastPeriod: Double
    public var probeTimeout: Double
    public var failuresToFail: Int
    public var successesToRecover: Int
    public var checkInterval: Double

    public init(settings: Settings) {
        checkInterval = Double(settings.checkInterval)
        fastPeriod = min(1.0, max(0.1, Double(settings.failoverTimeout) / 20))
        probeTimeout = max(0.15, fastPeriod * 1.5)
        failuresToFail = 3
        successesToRecover = max(10, Int((Double(settings.failoverTimeout) / fastPeriod).rounded()))
    }

    /// Worst case from a silent failure to the decision: the last answered round's successor
    /// is sent up to one period later, then `failuresToFail` rounds each time out.
    public var worstCaseDetectionSeconds: Double {
        ((Double(failuresToFail) * fastPeriod + probeTimeout) * 100).rounded() / 100
    }

    /// Seconds of continuous health before failing back.
    public var failbackSeconds: Double { Double(successesToRecover) * fastPeriod }

    /// Echo requests per second on each fast-probed path.
    public var probesPerSecond: Double { 1 / fastPeriod }

    /// Seconds from the daemon's decision until new flows take the new path. mwan3: `mwan3
    /// ifdown` moved new flows 0.52–0.73 s after the command started (mwan3 2.12.2, real
    /// WireGuard, a 2-core VM), so 0.75 s. Linux: one `ip route replace`, within
    /// the lab's measured gaps (p95 681 ms for 0.68 s of detection), so 0.05 s.
    public static func switchSeconds(mwan3: Bool) -> Double { mwan3 ? 0.75 : 0.05 }

    /// Worst case from a silent failure to the switch: detection plus the switch itself.
    public func worstCaseToSwitch(mwan3: Bool) -> Double {
        ((worstCaseDetectionSeconds + Self.switchSeconds(mwan3: mwan3)) * 100).rounded() / 100
    }
}
