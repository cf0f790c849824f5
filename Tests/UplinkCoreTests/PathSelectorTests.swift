import Testing
import UplinkCore

/// Which path carries the default route: WANs first, then uplinks by health, offer, metering,
/// priority, latency (with hysteresis) and bandwidth.
@Suite struct PathSelectorTests {
    static func health(_ state: HealthState, kind: PathHealth.Kind = .uplink, latency: Double? = nil) -> PathHealth {
        var h = PathHealth(kind: kind, name: "x")
        h.state = state
        h.latencyMs = latency
        return h
    }

    static func wan(_ name: String, _ state: HealthState) -> PathCandidate {
        PathCandidate(key: "wan:\(name)", health: health(state, kind: .wan))
    }

    static func up(_ name: String, _ state: HealthState = .up, priority: Int = 50, latency: Double? = nil,
                   offer: Bool? = nil, metered: Bool = false, bandwidth: Int? = nil) -> PathCandidate {
        PathCandidate(key: "uplink:\(name)", health: health(state, latency: latency), priority: priority,
                      offerAvailable: offer, metered: metered, bandwidthMbps: bandwidth)
    }

    static func choose(current: String? = nil, wans: [PathCandidate], uplinks: [PathCandidate],
                       _ edit: (inout Settings) -> Void = { _ in }) -> String? {
        var s = Settings()
        edit(&s)
        return PathSelector.choose(current: current, wans: wans, uplinks: uplinks, settings: s)
    }

    static func ranked(_ uplinks: [PathCandidate], preferLatency: Bool = true) -> [String] {
        var s = Settings()
        s.preferLatency = preferLatency
        return PathSelector.rank(uplinks, settings: s).map(\.key)
    }

    @Test func aWANNotProvenDeadBeatsEveryUplink() {
        let best = [Self.up("a", priority: 100, latency: 1)]
        for state in [HealthState.up, .degraded, .unknown] {
            #expect(Self.choose(current: "uplink:a", wans: [Self.wan("wan", state)], uplinks: best) == "wan:wan", "WAN \(state)")
        }
        #expect(Self.choose(current: "wan:wan", wans: [Self.wan("wan", .down)], uplinks: best) == "uplink:a")
    }

    @Test func theHealthiestWANWinsWhateverItsPlaceInTheList() {
        let wans = [Self.wan("a", .down), Self.wan("b", .unknown), Self.wan("c", .degraded), Self.wan("d", .up)]
        #expect(Self.choose(wans: wans, uplinks: []) == "wan:d")
        #expect(Self.choose(wans: Array(wans.prefix(3)), uplinks: []) == "wan:c")
        #expect(Self.choose(wans: Array(wans.prefix(2)), uplinks: []) == "wan:b")
    }

    @Test func upBeforeDegradedBeforeUnknownAndDownNever() {
        let uplinks = [Self.up("dead", .down, priority: 100, latency: 1), Self.up("new", .unknown, priority: 90),
                       Self.up("lossy", .degraded, priority: 80), Self.up("ok", .up, priority: 10, latency: 200)]
        #expect(Self.ranked(uplinks) == ["uplink:ok", "uplink:lossy", "uplink:new"], "health outranks priority and latency")
        #expect(Self.choose(wans: [Self.wan("wan", .down)], uplinks: uplinks) == "uplink:ok")
        #expect(Self.choose(current: "uplink:dead", wans: [Self.wan("wan", .down)], uplinks: uplinks) == "uplink:ok",
                "a dead current uplink is left")
    }

    @Test func withOnlyDeadUplinksTheRouteStaysOnTheWAN() {
        let dead = [Self.up("a", .down), Self.up("b", .down)]
        #expect(Self.choose(current: "uplink:a", wans: [Self.wan("wan", .down)], uplinks: dead) == "wan:wan")
        #expect(Self.choose(current: nil, wans: [], uplinks: dead) == nil)
    }

    /// `enabled 0` or `auto_failover 0`: uplinks are configured but never carry traffic.
    @Test func disabledOrManualFailoverNeverChoosesAnUplink() {
        let uplinks = [Self.up("a")]
        let wans = [Self.wan("wan", .down)]
        #expect(Self.choose(current: "wan:wan", wans: wans, uplinks: uplinks) { $0.enabled = false } == "wan:wan")
        #expect(Self.choose(current: "wan:wan", wans: wans, uplinks: uplinks) { $0.autoFailover = false } == "wan:wan")
        #expect(Self.choose(current: nil, wans: [], uplinks: uplinks) { $0.autoFailover = false } == nil)
        #expect(Self.choose(current: nil, wans: [], uplinks: uplinks) == "uplink:a")
    }

    @Test func higherPriorityWinsWithinAHealthTier() {
        let uplinks = [Self.up("slow", priority: 80, latency: 120), Self.up("fast", priority: 50, latency: 5)]
        #expect(Self.ranked(uplinks) == ["uplink:slow", "uplink:fast"])
        #expect(Self.choose(current: "uplink:fast", wans: [], uplinks: uplinks) == "uplink:slow",
                "a higher priority replaces the current uplink at once")
    }

    @Test func unavailableOffersAndMeteredUplinksSink() {
        // an offer saying unavailable (or expired) ranks below every health tier of offered ones
        #expect(Self.ranked([Self.up("gone", offer: false, bandwidth: 1000), Self.up("new", .unknown, offer: true)])
                == ["uplink:new", "uplink:gone"])
        // metered is the last resort, below an unavailable offer
        #expect(Self.ranked([Self.up("lte", priority: 100, metered: true), Self.up("gone", .unknown, offer: false)])
                == ["uplink:gone", "uplink:lte"])
        // no offer (a hand-added uplink) counts as available
        #expect(Self.ranked([Self.up("offered", priority: 40, offer: true), Self.up("manual", priority: 60)])
                == ["uplink:manual", "uplink:offered"])
    }

    @Test func latencyThenBandwidthThenNameBreakTies() {
        let a = Self.up("a", latency: 40, bandwidth: 1000), b = Self.up("b", latency: 15, bandwidth: 50)
        #expect(Self.ranked([a, b]) == ["uplink:b", "uplink:a"])
        #expect(Self.ranked([a, b], preferLatency: false) == ["uplink:a", "uplink:b"], "prefer_latency 0: bandwidth")
        let c = Self.up("c", latency: 15.5, bandwidth: 100)
        #expect(Self.ranked([b, c]) == ["uplink:c", "uplink:b"], "under 1 ms apart is no difference: bandwidth")
        #expect(Self.ranked([Self.up("z"), Self.up("m"), Self.up("q", latency: 3)]) == ["uplink:m", "uplink:q", "uplink:z"],
                "one unmeasured latency does not rank, the name does")
    }

    /// A healthy current uplink is replaced for latency only when the best is at least 10 ms
    /// and 30 % faster.
    @Test(arguments: [
        (40.0, 32.0, false),   // 8 ms faster
        (40.0, 29.0, false),   // 11 ms but 27.5 %
        (40.0, 27.0, true),    // 13 ms and 32.5 %
        (20.0, 12.0, false),   // 40 % but 8 ms
        (100.0, 75.0, false),  // 25 ms but 25 %
        (100.0, 69.0, true),   // 31 ms and 31 %
    ])
    func latencyHysteresisKeepsTheCurrentUplink(current: Double, other: Double, switches: Bool) {
        let uplinks = [Self.up("cur", latency: current), Self.up("new", latency: other)]
        #expect(Self.ranked(uplinks).first == "uplink:new")
        let choice = Self.choose(current: "uplink:cur", wans: [Self.wan("wan", .down)], uplinks: uplinks)
        #expect(choice == (switches ? "uplink:new" : "uplink:cur"), "\(current) ms vs \(other) ms")
    }

    @Test func theCurrentUplinkIsStickyOnlyWithinItsTierAndPriority() {
        let wans = [Self.wan("wan", .down)]
        // prefer_latency 0: an equal uplink never displaces the current one
        let equal = [Self.up("a", bandwidth: 1000), Self.up("b", bandwidth: 10)]
        #expect(Self.choose(current: "uplink:b", wans: wans, uplinks: equal) { $0.preferLatency = false } == "uplink:b")
        // a latency unmeasured on either side keeps the current one too
        let unmeasured = [Self.up("a", latency: 5), Self.up("b")]
        #expect(Self.choose(current: "uplink:b", wans: wans, uplinks: unmeasured) == "uplink:b")
        // a better health tier replaces it at once, however small the gain
        let healthier = [Self.up("a", .up, latency: 39), Self.up("b", .degraded, latency: 40)]
        #expect(Self.choose(current: "uplink:b", wans: wans, uplinks: healthier) == "uplink:a")
        // so does a higher priority
        let preferred = [Self.up("a", priority: 51, latency: 80), Self.up("b", priority: 50, latency: 10)]
        #expect(Self.choose(current: "uplink:b", wans: wans, uplinks: preferred) == "uplink:a")
    }

    /// Failback: the WAN is used again only when its tracker has seen the whole healthy run.
    @Test func failbackToTheWANWaitsForTheTrackersHealthyRun() {
        let policy = HealthPolicy(settings: Settings())
        var wan = PathTracker(PathHealth(kind: .wan, name: "wan", device: "eth0"))
        for i in 0..<3 { wan.record(success: false, rttMs: nil, at: Double(i) * policy.fastPeriod, policy: policy) }
        let uplinks = [Self.up("a", latency: 30)]
        func pick() -> String? {
            Self.choose(current: "uplink:a", wans: [PathCandidate(key: "wan:wan", health: wan.health)], uplinks: uplinks)
        }
        #expect(pick() == "uplink:a")
        var now = 10.0
        for _ in 0..<(policy.successesToRecover - 1) {
            wan.record(success: true, rttMs: 8, at: now, policy: policy)
            #expect(pick() == "uplink:a", "WAN answering for \(now - 10) s only")
            now += policy.fastPeriod
        }
        wan.record(success: false, rttMs: nil, at: now, policy: policy) // one lost echo: start again
        now += policy.fastPeriod
        for _ in 0..<(policy.successesToRecover - 1) {
            wan.record(success: true, rttMs: 8, at: now, policy: policy)
            now += policy.fastPeriod
        }
        #expect(pick() == "uplink:a")
        wan.record(success: true, rttMs: 8, at: now, policy: policy)
        #expect(pick() == "wan:wan")
    }
}
