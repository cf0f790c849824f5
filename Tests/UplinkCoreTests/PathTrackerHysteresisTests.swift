import Testing
import UplinkCore

/// PathTracker's hysteresis on fast-loop rounds and its handling of full-check verdicts
/// (PathTrackerTests covers stale verdicts and which figures a path shows).
@Suite struct PathTrackerHysteresisTests {
    /// failover_timeout 10: a round every 0.5 s, 3 misses down, 20 answered rounds (10 s) back up.
    static let policy = HealthPolicy(settings: Settings())
    static var period: Double { policy.fastPeriod }

    static func tracker(_ state: HealthState = .unknown) -> PathTracker {
        var t = PathTracker(PathHealth(kind: .wan, name: "wan", device: "eth0"))
        if state != .unknown { t.set(state, -100) }
        return t
    }

    /// Records rounds from `start`, one period apart; returns the times the state changed.
    @discardableResult
    static func rounds(_ t: inout PathTracker, _ outcomes: [Bool], from start: Double, rtt: Double = 20) -> [Double] {
        var changes: [Double] = []
        for (i, ok) in outcomes.enumerated() {
            let now = start + Double(i) * period
            if t.record(success: ok, rttMs: ok ? rtt : nil, at: now, policy: policy) { changes.append(now) }
        }
        return changes
    }

    @Test func aNewPathIsUpAfterThreeAnsweredRounds() {
        var t = Self.tracker()
        #expect(Self.rounds(&t, [true, true], from: 0).isEmpty)
        #expect(t.health.state == .unknown)
        let changed = t.record(success: true, rttMs: 20, at: 1, policy: Self.policy)
        #expect(changed)
        #expect(t.health.state == .up && t.health.since == 1)
        #expect(t.health.detail == "3 fast probes in a row answered" && t.health.lossPct == 0)
    }

    @Test func aNewPathIsDownAfterThreeMissedRounds() {
        var t = Self.tracker()
        #expect(Self.rounds(&t, [false, false, false], from: 0) == [2 * Self.period])
        #expect(t.health.state == .down && t.health.detail == "3 fast probes in a row unanswered")
    }

    @Test func onlyThreeMissesInARowTakeAnUpPathDown() {
        var t = Self.tracker(.up)
        #expect(Self.rounds(&t, [false, false, true, false, false, true, false, false], from: 0).isEmpty,
                "two misses then an answer: still up")
        #expect(t.health.state == .up && t.health.consecutiveFailures == 2)
        let changed = t.record(success: false, rttMs: nil, at: 10, policy: Self.policy)
        #expect(changed)
        #expect(t.health.state == .down && t.health.since == 10)
        #expect(t.health.latencyMs == nil && t.health.lossPct == 100)
    }

    @Test func aDegradedPathGoesDownOnThreeMissesButTheFastLoopNeverLiftsIt() {
        var t = Self.tracker(.degraded)
        Self.rounds(&t, Array(repeating: true, count: 50), from: 0)
        #expect(t.health.state == .degraded, "only a full check moves degraded back to up")
        #expect(Self.rounds(&t, [false, false, false], from: 30) == [30 + 2 * Self.period])
        #expect(t.health.state == .down)
    }

    /// Failback hysteresis: a down path needs `successesToRecover` answered rounds in a row.
    @Test func aDownPathNeedsTheWholeHealthyRunToComeBack() {
        let p = Self.policy
        var t = Self.tracker(.down)
        #expect(Self.rounds(&t, Array(repeating: true, count: p.successesToRecover - 1), from: 0).isEmpty)
        #expect(t.health.state == .down && t.health.consecutiveSuccesses == 19)
        #expect(t.recoveringSince == 0)
        let last = Double(p.successesToRecover - 1) * p.fastPeriod
        let changed = t.record(success: true, rttMs: 20, at: last, policy: p)
        #expect(changed)
        #expect(t.health.state == .up && t.health.since == last)
        #expect(t.health.detail == "20 fast probes in a row answered")
        // the run spans failback_s: the first answer is one period into the healthy time
        #expect(last + p.fastPeriod == p.failbackSeconds)
    }

    @Test func oneMissDuringRecoveryRestartsTheRun() {
        let p = Self.policy
        var t = Self.tracker(.down)
        Self.rounds(&t, Array(repeating: true, count: 15) + [false], from: 0)
        #expect(t.health.consecutiveSuccesses == 0 && t.recoveringSince == nil)
        let restart = 16 * p.fastPeriod
        let changes = Self.rounds(&t, Array(repeating: true, count: p.successesToRecover), from: restart)
        #expect(t.recoveringSince == restart)
        #expect(changes == [restart + Double(p.successesToRecover - 1) * p.fastPeriod],
                "back up only after 20 new answered rounds, not 20 − 15")
        #expect(t.health.state == .up)
    }

    @Test func latencyIsSmoothedAndForgottenWhenThePathGoesDown() {
        var t = Self.tracker(.up)
        t.record(success: true, rttMs: 10, at: 0, policy: Self.policy)
        #expect(t.health.latencyMs == 10)
        t.record(success: true, rttMs: 18, at: 0.5, policy: Self.policy)
        #expect(t.health.latencyMs == 11, "(10 × 7 + 18) / 8")
        t.record(success: true, rttMs: nil, at: 1, policy: Self.policy)
        #expect(t.health.latencyMs == 11, "an answer without an RTT keeps the figure")
        Self.rounds(&t, [false, false, false], from: 2)
        #expect(t.health.latencyMs == nil)
        t.record(success: true, rttMs: 40, at: 4, policy: Self.policy)
        #expect(t.health.latencyMs == 40, "a new run starts from its own first RTT")
    }

    @Test func fullCheckVerdictsMoveUpAndDegradedAtOnce() {
        let p = Self.policy
        var t = Self.tracker()
        t.apply(check: PathCheck(verdict: .up, latencyMs: 15, lossPct: 0, detail: "ok"), at: 1, policy: p)
        #expect(t.health.state == .up && t.health.latencyMs == 15 && t.health.detail == "ok")
        t.apply(check: PathCheck(verdict: .degraded, lossPct: 25), at: 2, policy: p)
        #expect(t.health.state == .degraded && t.health.since == 2 && t.health.lossPct == 25)
        #expect(t.health.latencyMs == 15, "a check without a latency keeps the last one")
        t.apply(check: PathCheck(verdict: .up, lossPct: 0), at: 3, policy: p)
        #expect(t.health.state == .up && t.health.since == 3)
    }

    @Test func aDownVerdictTakesAnyPathDownAndEndsItsHealthyRun() {
        let p = Self.policy
        var t = Self.tracker(.down)
        Self.rounds(&t, Array(repeating: true, count: 10), from: 0)
        t.apply(check: PathCheck(verdict: .down, lossPct: 100, detail: "0/4 targets answered"), at: 6, policy: p)
        #expect(t.health.state == .down && t.health.consecutiveSuccesses == 0 && t.recoveringSince == nil)
        for state in [HealthState.unknown, .up, .degraded] {
            var u = Self.tracker(state)
            u.apply(check: PathCheck(verdict: .down, lossPct: 100), at: 1, policy: p)
            #expect(u.health.state == .down && u.health.since == 1, "from \(state)")
        }
    }

    /// A standby path has no fast loop: two good full checks in a row bring it back; a path the
    /// fast loop watches needs its long healthy run however many full checks pass.
    @Test func onlyAStandbyPathRecoversOnTwoGoodFullChecks() {
        let p = Self.policy
        var standby = Self.tracker(.down)
        standby.apply(check: PathCheck(verdict: .up, standby: true), at: 30, policy: p)
        #expect(standby.health.state == .down)
        standby.apply(check: PathCheck(verdict: .degraded, standby: true), at: 60, policy: p)
        #expect(standby.health.state == .degraded, "recovers with the verdict of the second check")

        var active = Self.tracker(.down)
        for i in 1...5 { active.apply(check: PathCheck(verdict: .up), at: Double(i) * 30, policy: p) }
        #expect(active.health.state == .down)
    }

    @Test func aFullCheckVerdictFollowsItsMeasurements() {
        func judge(answered: Int = 4, loss: Double = 0, http: Bool? = true, dns: Bool? = true, age: Int? = 10, tunnel: Bool = true) -> PathCheck.Verdict {
            PathCheck.judge(answered: answered, reliability: 2, lossPct: loss, httpOK: http, dnsOK: dns, handshakeAge: age, isTunnel: tunnel)
        }
        #expect(judge() == .up)
        #expect(judge(age: nil) == .down, "a tunnel without a handshake")
        #expect(judge(age: 181) == .down)
        #expect(judge(age: 180) == .up)
        #expect(judge(age: nil, tunnel: false) == .up, "a WAN has no handshake")
        #expect(judge(answered: 1) == .down, "fewer than track_reliability targets")
        #expect(judge(answered: 2) == .up)
        #expect(judge(http: false) == .degraded && judge(dns: false) == .degraded)
        #expect(judge(http: nil, dns: nil) == .up, "an unmeasured probe is no failure")
        #expect(judge(loss: 20) == .degraded && judge(loss: 19.9) == .up)
    }
}
