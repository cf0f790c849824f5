import Testing
import UplinkCore

/// The daemon's per-path state machine: fast-loop rounds, full-check verdicts, and which
/// evidence wins when they disagree (issue 10: stale verdicts, a dead path with good figures).
@Suite struct PathTrackerTests {
    /// failover_timeout 3: a round every 0.15 s, 3 misses take a path down, 20 answered
    /// rounds in a row (3 s) bring it back.
    static let policy: HealthPolicy = {
        var s = Settings()
        s.failoverTimeout = 3
        return HealthPolicy(settings: s)
    }()

    /// A WAN that has been up, then went silent at t = 0.
    static func downWAN() -> PathTracker {
        var t = PathTracker(PathHealth(kind: .wan, name: "wan", device: "wan"))
        var now = -5.0
        while now < 0 { t.record(success: true, rttMs: 12, at: now, policy: policy); now += policy.fastPeriod }
        t.absorb(check: PathCheck(verdict: .up, latencyMs: 12, lossPct: 0, detail: "3/3 targets answered, HTTP ok, DNS ok", startedAt: -2),
                 fastOwned: true, at: -1, policy: policy)
        for i in 0..<3 { t.record(success: false, rttMs: nil, at: Double(i) * policy.fastPeriod, policy: policy) }
        return t
    }

    @Test func theFastLoopsDownShowsItsOwnFiguresNotTheLastGoodCheck() {
        let t = Self.downWAN()
        #expect(t.health.state == .down)
        #expect(t.health.detail == "3 fast probes in a row unanswered")
        #expect(t.health.lossPct == 100 && t.health.latencyMs == nil)
    }

    @Test func aGoodCheckThatBeganBeforeTheDownIsIgnored() {
        var t = Self.downWAN()
        let applied = t.absorb(check: PathCheck(verdict: .up, latencyMs: 11, lossPct: 0, detail: "3/3 targets answered", startedAt: -0.5),
                               fastOwned: true, at: 1, policy: Self.policy)
        #expect(!applied)
        #expect(t.health.state == .down && t.health.lossPct == 100 && t.health.detail == "3 fast probes in a row unanswered")
    }

    @Test func aGoodCheckOfADownPathTheFastLoopOwnsAddsNoFigures() {
        // measured after the down (e.g. through another route): the fast loop decides recovery
        var t = Self.downWAN()
        let applied = t.absorb(check: PathCheck(verdict: .up, lossPct: 0, detail: "3/3 targets answered", startedAt: 2),
                               fastOwned: true, at: 4, policy: Self.policy)
        #expect(!applied)
        #expect(t.health.state == .down && t.health.detail == "3 fast probes in a row unanswered")
    }

    /// The straddle: a full check pings during the outage, the WAN returns while it still runs,
    /// and its "down" arrives 1.5 s into the healthy run. Failback must still come after the
    /// hysteresis plus at most one fast-probe interval, counted from the restore.
    @Test func aDownVerdictMeasuredBeforeTheHealthyRunDoesNotRestartIt() {
        var t = Self.downWAN()
        let p = Self.policy
        let restore = 10.0
        var now = 1.0
        while now < restore { t.record(success: false, rttMs: nil, at: now, policy: p); now += p.fastPeriod }
        let check = PathCheck(verdict: .down, lossPct: 100, detail: "0/3 targets answered", startedAt: restore - 0.5)
        var delivered = false, upAt: Double? = nil
        while upAt == nil && now < restore + 20 {
            if !delivered && now >= restore + 1.5 {
                let applied = t.absorb(check: check, fastOwned: true, at: now, policy: p)
                #expect(!applied, "a verdict from the outage reset the healthy run")
                delivered = true
            }
            if t.record(success: true, rttMs: 12, at: now, policy: p) { upAt = now }
            now += p.fastPeriod
        }
        let took = try! #require(upAt) - restore
        #expect(took >= p.failbackSeconds - 2 * p.fastPeriod && took <= p.failbackSeconds + p.fastPeriod,
                "failback \(took) s after the restore; hysteresis \(p.failbackSeconds) s, one round \(p.fastPeriod) s")
        #expect(t.health.detail == "20 fast probes in a row answered" && t.health.lossPct == 0)
    }

    @Test func aDownVerdictMeasuredDuringTheHealthyRunStillCounts() {
        var t = Self.downWAN()
        let p = Self.policy
        for i in 0..<10 { t.record(success: true, rttMs: 12, at: 5 + Double(i) * p.fastPeriod, policy: p) }
        let applied = t.absorb(check: PathCheck(verdict: .down, lossPct: 100, startedAt: 5.5), fastOwned: true, at: 7, policy: p)
        #expect(applied)
        #expect(t.health.state == .down && t.health.consecutiveSuccesses == 0)
    }

    @Test func onAnUpPathACheckAfterTheLastChangeAppliesEvenAcrossASingleLostProbe() {
        var t = PathTracker(PathHealth(kind: .uplink, name: "peer-a", device: "wgup_a"))
        let p = Self.policy
        for i in 0..<5 { t.record(success: true, rttMs: 30, at: Double(i) * p.fastPeriod, policy: p) }
        #expect(t.health.state == .up)
        t.record(success: false, rttMs: nil, at: 1, policy: p) // one lost probe: no change of state
        let degraded = PathCheck(verdict: .degraded, latencyMs: 30, lossPct: 25, detail: "3/3 targets answered, HTTP failed", startedAt: 0.9)
        let first = t.absorb(check: degraded, fastOwned: true, at: 2, policy: p)
        #expect(first)
        #expect(t.health.state == .degraded && t.health.lossPct == 25 && t.health.detail == "3/3 targets answered, HTTP failed")
        // a down verdict measured after the last change takes the path down with its own figures
        let second = t.absorb(check: PathCheck(verdict: .down, lossPct: 100, detail: "0/3 targets answered", startedAt: 3), fastOwned: true, at: 4, policy: p)
        #expect(second)
        #expect(t.health.state == .down && t.health.detail == "0/3 targets answered")
    }
}
