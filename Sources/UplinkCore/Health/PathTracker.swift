/// Turns a stream of probe outcomes for one path into a state with hysteresis: it goes
/// down after `failuresToFail` misses in a row and counts as recovered only after
/// `successesToRecover` successes in a row, so a lossy link cannot flap.
///
/// A path's detail and figures are always those of the measurement that set its state, and a
/// full check's verdict that was measured before the state last changed (or, on a down path,
/// before its current healthy run began) is ignored: the fast loop has newer evidence.
public struct PathTracker: Equatable, Sendable {
    public var health: PathHealth
    /// Wall time of the first success of the current healthy run on a down path.
    public private(set) var recoveringSince: Double?

    public init(_ health: PathHealth) { self.health = health }

    /// Records one fast-loop round. Returns true when the state changed.
    @discardableResult
    public mutating func record(success: Bool, rttMs: Double?, at now: Double, policy: HealthPolicy) -> Bool {
        if success {
            if health.consecutiveSuccesses == 0 { recoveringSince = now }
            health.consecutiveSuccesses += 1
            health.consecutiveFailures = 0
            if let rtt = rttMs {
                health.latencyMs = health.latencyMs.map { ($0 * 7 + rtt) / 8 } ?? rtt
            }
        } else {
            health.consecutiveFailures += 1
            health.consecutiveSuccesses = 0
            recoveringSince = nil
        }
        health.lastCheck = now
        let old = health.state
        switch health.state {
        case .down:
            if health.consecutiveSuccesses >= policy.successesToRecover { set(.up, now) }
        case .unknown:
            if health.consecutiveSuccesses >= min(3, policy.successesToRecover) { set(.up, now) }
            if health.consecutiveFailures >= policy.failuresToFail { set(.down, now) }
        case .up, .degraded:
            if health.consecutiveFailures >= policy.failuresToFail { set(.down, now) }
        }
        if old != health.state {
            // the fast loop set the state: its figures replace the last full check's
            if health.state == .down {
                health.detail = "\(health.consecutiveFailures) fast probes in a row unanswered"
                health.lossPct = 100
                health.latencyMs = nil
            } else {
                health.detail = "\(health.consecutiveSuccesses) fast probes in a row answered"
                health.lossPct = 0
            }
        }
        return old != health.state
    }

    /// True when `check` began before the state last changed, or, while this down path earns
    /// its recovery, before the healthy run began: such a verdict describes the past.
    public func isStale(_ check: PathCheck) -> Bool {
        guard let started = check.startedAt else { return false }
        if let since = health.since, started < since { return true }
        if health.state == .down, let r = recoveringSince, started < r { return true }
        return false
    }

    /// A full check's result, on a path the fast loop probes (`fastOwned`) or not. The fast
    /// loop owns the state of what it probes: a check only adds figures, moves up ⇄ degraded,
    /// or takes it down; it never dresses a down path in a good check's figures. Returns false
    /// when the result was ignored.
    @discardableResult
    public mutating func absorb(check: PathCheck, fastOwned: Bool, at now: Double, policy: HealthPolicy) -> Bool {
        if isStale(check) { return false }
        guard fastOwned && check.verdict != .down else {
            apply(check: check, at: now, policy: policy)
            return true
        }
        guard health.state != .down else { return false }
        health.lastCheck = now
        health.lossPct = check.lossPct
        health.detail = check.detail
        health.handshakeAge = check.handshakeAge ?? health.handshakeAge
        health.rxBytes = check.rxBytes ?? health.rxBytes
        health.txBytes = check.txBytes ?? health.txBytes
        if check.verdict == .degraded && health.state == .up { set(.degraded, now) }
        if check.verdict == .up && health.state == .degraded { set(.up, now) }
        return true
    }

    /// Applies a full check's verdict (k-of-n pings, HTTP, DNS, handshake).
    public mutating func apply(check: PathCheck, at now: Double, policy: HealthPolicy) {
        health.lastCheck = now
        health.lossPct = check.lossPct
        if let l = check.latencyMs { health.latencyMs = l }
        health.detail = check.detail
        health.handshakeAge = check.handshakeAge ?? health.handshakeAge
        if let rx = check.rxBytes { health.rxBytes = rx }
        if let tx = check.txBytes { health.txBytes = tx }
        switch (health.state, check.verdict) {
        case (_, .down):
            health.consecutiveSuccesses = 0
            recoveringSince = nil
            set(.down, now)
        case (.down, _):
            // recovery is the fast loop's call (it needs a long healthy run); a standby path
            // with no fast loop recovers after two good full checks in a row
            health.consecutiveSuccesses += 1
            if health.consecutiveSuccesses >= policy.successesToRecover || check.standby && health.consecutiveSuccesses >= 2 {
                set(check.verdict == .up ? .up : .degraded, now)
            }
        case (_, let v):
            set(v == .up ? .up : .degraded, now)
        }
    }

    public mutating func set(_ s: HealthState, _ now: Double) {
        if health.state != s {
            health.state = s
            health.since = now
        }
    }
}

/// The result of one full check of a path.
public struct PathCheck: Equatable, Sendable {
    public enum Verdict: Equatable, Sendable { case up, degraded, down }
    public var verdict: Verdict
    public var latencyMs: Double?
    public var lossPct: Double?
    public var handshakeAge: Int?
    public var rxBytes: Int?
    public var txBytes: Int?
    public var detail: String?
    /// The path is a standby (no fast loop watches it).
    public var standby: Bool
    /// Wall time the check began measuring (nil: unknown, never stale).
    public var startedAt: Double?

    public init(verdict: Verdict, latencyMs: Double? = nil, lossPct: Double? = nil, handshakeAge: Int? = nil,
                rxBytes: Int? = nil, txBytes: Int? = nil, detail: String? = nil, standby: Bool = false, startedAt: Double? = nil) {
        self.startedAt = startedAt
        self.verdict = verdict
        self.latencyMs = latencyMs
        self.lossPct = lossPct
        self.handshakeAge = handshakeAge
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.detail = detail
        self.standby = standby
    }

    /// Verdict from the measurements: down when fewer than `reliability` targets answered or
    /// the tunnel has no recent handshake; degraded when HTTP or DNS failed or loss is high.
    public static func judge(answered: Int, reliability: Int, lossPct: Double, httpOK: Bool?, dnsOK: Bool?,
                             handshakeAge: Int?, isTunnel: Bool) -> Verdict {
        if isTunnel && (handshakeAge == nil || handshakeAge! > 180) { return .down }
        if answered < reliability { return .down }
        if httpOK == false || dnsOK == false || lossPct >= 20 { return .degraded }
        return .up
    }
}
