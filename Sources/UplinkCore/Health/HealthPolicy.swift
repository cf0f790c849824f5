/// Timing of the daemon's own checks, derived from the settings: the active path is probed
/// every `fastPeriod` seconds and declared down after `failuresToFail` misses in a row;
/// failback needs `successesToRecover` good rounds in a row (a longer run: no flapping).
public struct HealthPolicy: Equatable, Sendable {
    public var fastPeriod: Double
    public var probeTimeout: Double
    public var failuresToFail: Int
    public var successesToRecover: Int
    public var checkInterval: Double

    public init(settings: Settings) {
        checkInterval = Double(settings.checkInterval)
        fastPeriod = 0.2
        probeTimeout = 0.3
        failuresToFail = 3
        successesToRecover = max(10, Int((Double(settings.failoverTimeout) / fastPeriod).rounded()))
    }

    /// Worst case from a silent failure to the decision: the misses plus one period of phase.
    public var worstCaseDetectionSeconds: Double {
        ((Double(failuresToFail) * fastPeriod + probeTimeout) * 100).rounded() / 100
    }
}
