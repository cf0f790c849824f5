/// Turns a stream of probe outcomes for one path into a state with hysteresis: it goes
/// down after `failuresToFail` misses in a row and counts as recovered only after
/// `successesToRecover` successes in a row, so a lossy link cannot flap.
public struct PathTracker: Equatable, Sendable {
    public var health: PathHealth

    public init(_ health: PathHealth) { self.health = health }

    /// Records one fast-loop round. Returns true when the state changed.
    @discardableResult
    public mutating func record(success: Bool, rttMs: Double?, at now: Double, policy: HealthPolicy) -> Bool {
        if success {
            health.consecutiveSuccesses += 1
            health.consecutiveFailures = 0
            if let rtt = rttMs {
                health.latencyMs = health.latencyMs.map { ($0 * 7 + rtt) / 8 } ?? rtt
            }
        } else {
            health.consecutiveFailures += 1
            health.consecutiveSuccesses = 0
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
        return old != health.state
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

    public init(verdict: Verdict, latencyMs: Double? = nil, lossPct: Double? = nil, handshakeAge: Int? = nil,
                rxBytes: Int? = nil, txBytes: Int? = nil, detail: String? = nil, standby: Bool = false) {
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
