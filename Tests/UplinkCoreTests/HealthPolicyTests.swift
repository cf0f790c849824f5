import Testing
import UplinkCore

/// The fast loop's timing derived from `failover_timeout` / `check_interval`, and the
/// detection and switch times `status` reports (README "Health and failover timing").
@Suite struct HealthPolicyTests {
    static func policy(failoverTimeout: Int, checkInterval: Int = 30) -> HealthPolicy {
        var s = Settings()
        s.failoverTimeout = failoverTimeout
        s.checkInterval = checkInterval
        return HealthPolicy(settings: s)
    }

    static func close(_ a: Double, _ b: Double, _ eps: Double = 1e-9) -> Bool { abs(a - b) < eps }

    @Test func theDefaultTimeoutMatchesTheReadmeTable() {
        let p = HealthPolicy(settings: Settings()) // failover_timeout 10, check_interval 30
        #expect(p.fastPeriod == 0.5)
        #expect(p.probeTimeout == 0.75)
        #expect(p.failuresToFail == 3)
        #expect(p.successesToRecover == 20)
        #expect(p.checkInterval == 30)
        #expect(p.worstCaseDetectionSeconds == 2.25, "3 × 0.5 + 0.75")
        #expect(p.failbackSeconds == 10)
        #expect(p.probesPerSecond == 2)
        #expect(p.worstCaseToSwitch(mwan3: true) == 3.0)
        #expect(p.worstCaseToSwitch(mwan3: false) == 2.3)
    }

    @Test func theLabTimeoutMatchesTheReadmeTable() {
        let p = Self.policy(failoverTimeout: 3, checkInterval: 10)
        #expect(Self.close(p.fastPeriod, 0.15))
        #expect(Self.close(p.probeTimeout, 0.225))
        #expect(p.successesToRecover == 20)
        #expect(p.checkInterval == 10)
        #expect(p.worstCaseDetectionSeconds == 0.68, "3 × 0.15 + 0.225 = 0.675, shown to the hundredth")
        #expect(Self.close(p.failbackSeconds, 3))
        #expect(Self.close(p.probesPerSecond, 20.0 / 3))
        #expect(p.worstCaseToSwitch(mwan3: true) == 1.43)
        #expect(p.worstCaseToSwitch(mwan3: false) == 0.73)
    }

    @Test func theProbePeriodIsClampedToATenthAndOneSecond() {
        let fastest = Self.policy(failoverTimeout: 2)
        #expect(Self.close(fastest.fastPeriod, 0.1))
        #expect(Self.close(fastest.probeTimeout, 0.15), "the probe timeout never drops below 150 ms")
        #expect(fastest.worstCaseDetectionSeconds == 0.45)
        #expect(fastest.successesToRecover == 20)

        let slowest = Self.policy(failoverTimeout: 600)
        #expect(slowest.fastPeriod == 1.0, "600/20 = 30 s would be far too slow: capped at 1 s")
        #expect(slowest.probeTimeout == 1.5)
        #expect(slowest.successesToRecover == 600)
        #expect(slowest.failbackSeconds == 600)
        #expect(slowest.worstCaseDetectionSeconds == 4.5)
        #expect(slowest.worstCaseToSwitch(mwan3: true) == 5.25)
    }

    @Test func checkIntervalOnlySetsTheFullCheckPeriod() {
        let a = Self.policy(failoverTimeout: 10, checkInterval: 5)
        let b = Self.policy(failoverTimeout: 10, checkInterval: 3600)
        #expect(a.checkInterval == 5 && b.checkInterval == 3600)
        #expect(a.fastPeriod == b.fastPeriod && a.successesToRecover == b.successesToRecover
                && a.worstCaseDetectionSeconds == b.worstCaseDetectionSeconds)
    }

    @Test func switchTimeDependsOnTheBackend() {
        #expect(HealthPolicy.switchSeconds(mwan3: true) == 0.75)
        #expect(HealthPolicy.switchSeconds(mwan3: false) == 0.05)
    }

    /// failover_timeout is documented as the worst case from a dead path to failover, and
    /// failback as `failover_timeout` seconds of unbroken health: both, for every allowed value.
    @Test func everyAllowedTimeoutIsMetAndFailbackTakesExactlyThatLong() {
        for ft in 2...600 {
            let p = Self.policy(failoverTimeout: ft)
            let raw = Double(p.failuresToFail) * p.fastPeriod + p.probeTimeout
            #expect(Self.close(p.worstCaseDetectionSeconds, (raw * 100).rounded() / 100), "ft \(ft)")
            #expect(p.worstCaseToSwitch(mwan3: true) <= Double(ft), "ft \(ft): switch after \(p.worstCaseToSwitch(mwan3: true)) s")
            #expect(p.worstCaseToSwitch(mwan3: false) < p.worstCaseToSwitch(mwan3: true))
            #expect(p.fastPeriod >= 0.1 && p.fastPeriod <= 1)
            #expect(p.probeTimeout > p.fastPeriod, "a round's timeout outlives the period")
            #expect(p.successesToRecover >= 10, "ft \(ft)")
            #expect(Self.close(p.failbackSeconds, Double(ft), 1e-6), "ft \(ft): failback \(p.failbackSeconds) s")
        }
    }

    /// The detection figure is the real worst case of the tracker: the path dies just after a
    /// round was answered; the next three rounds are sent one period apart and each times out.
    @Test func theTrackerDecidesWithinTheWorstCaseDetection() {
        for ft in [2, 3, 10, 30] {
            let p = Self.policy(failoverTimeout: ft)
            var t = PathTracker(PathHealth(kind: .wan, name: "wan", device: "eth0"))
            for i in 0..<5 { t.record(success: true, rttMs: 5, at: Double(i - 5) * p.fastPeriod, policy: p) }
            #expect(t.health.state == .up)
            let died = -p.fastPeriod + 0.001 // just after the last answered round (sent at −period)
            var downAt: Double? = nil
            for round in 0..<p.failuresToFail {
                let timedOut = Double(round) * p.fastPeriod + p.probeTimeout
                if t.record(success: false, rttMs: nil, at: timedOut, policy: p) { downAt = timedOut }
            }
            let took = try! #require(downAt) - died
            #expect(took <= p.worstCaseDetectionSeconds + 0.005, "ft \(ft): down \(took) s after the failure")
            #expect(took > p.worstCaseDetectionSeconds - p.fastPeriod - 0.005)
        }
    }
}
