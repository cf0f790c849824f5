import Testing
@testable import UplinkCore

/// option auto_add: which offer the daemon adds to keep min_uplinks, when, and which
/// automatic uplink it removes.
@Suite struct AutoAddTests {
    static let key = try! WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
    static let now = 1_800_000_000.0

    static func uplink(_ peer: String, automatic: Bool = false, enabled: Bool = true, slot: Int = 1) -> UplinkConfig {
        let p = try! PeerID(validating: peer)
        var u = UplinkConfig(peer: p, interface: InterfaceNaming.interfaceName(for: p), endpoint: Endpoint(host: "169.254.1.2", port: 51900),
                             publicKey: key, privateKey: key, addresses: [IPPrefix("10.9.0.\(slot + 1)/32")!], slot: slot, enabled: enabled)
        u.automatic = automatic
        return u
    }

    static func offer(_ peer: String, latency: Double? = nil, bandwidth: Int? = nil, metered: Bool = false, available: Bool = true,
                      trusted: Bool = true, expires: Double = now + 60, withdrawn: Bool = false) -> Offer {
        var o = Offer(peer: try! PeerID(validating: peer), seq: 1, timestamp: now, ttl: 60, bandwidthMbps: bandwidth, latencyMs: latency,
                      available: available, metered: metered, endpoint: Endpoint(host: "169.254.9.2", port: 51900), publicKey: key,
                      received: now - 5, expires: expires, trusted: trusted)
        o.withdrawn = withdrawn
        return o
    }

    static func settings(min: Int = 2, on: Bool = true, skip: [String] = [], _ edit: (inout Settings) -> Void = { _ in }) -> Settings {
        var s = Settings()
        s.autoAdd = on
        s.minUplinks = min
        s.autoAddSkip = skip
        s.nodeID = "C"
        edit(&s)
        return s
    }

    static func decide(_ s: Settings = settings(), uplinks: [UplinkConfig] = [], health: [String: HealthState] = [:],
                       offers: [Offer], record: AutoAddRecord = AutoAddRecord(), at now: Double = now) -> AutoAdd.Decision {
        AutoAdd.decide(settings: s, uplinks: uplinks, health: health,
                       offers: Dictionary(uniqueKeysWithValues: offers.map { ($0.peer.rawValue, $0) }), record: record, now: now)
    }

    static func added(_ d: AutoAdd.Decision) -> String? {
        if case .add(let p, _)? = d.action { return p.rawValue }
        return nil
    }

    static func removed(_ d: AutoAdd.Decision) -> String? {
        if case .remove(let p, _)? = d.action { return p.rawValue }
        return nil
    }

    @Test func addsTheBestOfferWhenShortOfMinUplinks() {
        let d = Self.decide(uplinks: [Self.uplink("A")], health: ["A": .up], offers: [Self.offer("B", latency: 20), Self.offer("D", latency: 8)])
        #expect(Self.added(d) == "D", "lower latency wins")
        #expect(d.counted == 1)
        #expect(d.action?.reason.contains("1 of min_uplinks 2 healthy") == true)
    }

    @Test func offAndDisabledDoNothing() {
        let offers = [Self.offer("B")]
        let off = Self.decide(Self.settings(on: false), offers: offers)
        #expect(off.action == nil)
        #expect(off.explanation == "auto_add is off")
        let disabled = Self.decide(Self.settings { $0.enabled = false }, offers: offers)
        #expect(disabled.action == nil)
        #expect(disabled.explanation == "wireguard-uplink is disabled")
    }

    @Test func notAddingWhenEnoughAreCounted() {
        let ups = [Self.uplink("A"), Self.uplink("B", automatic: true, slot: 2)]
        // B was just added: unknown (or no health at all yet) counts, so it is not doubled
        for h in [["A": HealthState.up, "B": .unknown], ["A": .degraded]] {
            let d = Self.decide(uplinks: ups, health: h, offers: [Self.offer("D")])
            #expect(d.action == nil, "\(h)")
            #expect(d.explanation == "2 of min_uplinks 2 healthy")
        }
        // a down uplink does not count
        let d = Self.decide(uplinks: ups, health: ["A": .up, "B": .down], offers: [Self.offer("D")])
        #expect(Self.added(d) == "D")
        #expect(d.counted == 1)
    }

    @Test func disabledOrBrokenUplinksDoNotCount() {
        var broken = Self.uplink("B", slot: 2)
        broken.problem = "its interface is gone"
        let d = Self.decide(uplinks: [Self.uplink("A", enabled: false), broken], offers: [Self.offer("D")])
        #expect(d.counted == 0)
        #expect(Self.added(d) == "D")
        #expect(Self.decide(Self.settings(min: 0), offers: [Self.offer("D")]).action == nil, "min_uplinks 0 asks for nothing")
    }

    @Test func rankingMeteredLastThenLatencyThenBandwidthThenPeerID() {
        let metered = Self.offer("M", latency: 1, bandwidth: 1000, metered: true)
        #expect(Self.added(Self.decide(offers: [metered, Self.offer("S", latency: 90, bandwidth: 5)])) == "S",
                "a slow unmetered offer beats a fast metered one")
        #expect(Self.added(Self.decide(offers: [metered])) == "M", "a metered offer is still taken when it is the only one")
        #expect(Self.added(Self.decide(offers: [Self.offer("X", latency: 10, bandwidth: 10), Self.offer("Y", latency: 10, bandwidth: 100)])) == "Y")
        #expect(Self.added(Self.decide(offers: [Self.offer("X"), Self.offer("Y", latency: 50)])) == "Y", "a known latency beats none")
        #expect(Self.added(Self.decide(offers: [Self.offer("Y", bandwidth: 10), Self.offer("X", bandwidth: 10)])) == "X", "peer id last")
        let ranked = AutoAdd.candidates(settings: Self.settings(), uplinks: [],
                                        offers: ["m": metered, "a": Self.offer("a", latency: 30), "b": Self.offer("b", latency: 10)],
                                        record: AutoAddRecord(), now: Self.now).ranked.map(\.peer.rawValue)
        #expect(ranked == ["b", "a", "M"])
    }

    @Test func onlyTrustedAvailableCurrentOffersOfOthers() {
        let offers = [Self.offer("U", trusted: false), Self.offer("N", available: false), Self.offer("E", expires: Self.now - 1),
                      Self.offer("W", available: false, withdrawn: true), Self.offer("C"), Self.offer("A")]
        let d = Self.decide(uplinks: [Self.uplink("A")], health: ["A": .up], offers: offers)
        #expect(d.action == nil, "untrusted, unavailable, expired, withdrawn, this node and an existing uplink are never added")
        #expect(d.explanation.contains("no trusted offer left to add"))
        #expect(d.explanation.contains("U is untrusted"))
        #expect(!d.explanation.contains("A "), "an existing uplink is not worth a note")
    }

    @Test func neverReaddsAPeerOnTheSkipList() {
        let s = Self.settings(skip: ["B"])
        let d = Self.decide(s, uplinks: [Self.uplink("A")], health: ["A": .up], offers: [Self.offer("B", latency: 1)])
        #expect(d.action == nil)
        #expect(d.explanation == "1 of min_uplinks 2 healthy; no trusted offer left to add (B was removed by hand: on auto_add_skip)")
        // much later, and with nothing else on offer, still not
        let later = Self.decide(s, uplinks: [Self.uplink("A")], health: ["A": .down], offers: [Self.offer("B", latency: 1, expires: Self.now + 1e6)],
                                at: Self.now + 86_400)
        #expect(later.action == nil)
        // another offer is taken instead
        #expect(Self.added(Self.decide(s, offers: [Self.offer("B", latency: 1), Self.offer("D", latency: 99)])) == "D")
    }

    @Test func atMostOneAddPerMinute() {
        var r = AutoAddRecord()
        r.lastAdd = Self.now - 59
        let offers = [Self.offer("B", expires: Self.now + 600)]
        let held = Self.decide(offers: offers, record: r)
        #expect(held.action == nil)
        #expect(held.candidate?.rawValue == "B")
        #expect(held.nextAddAt == Self.now + 1)
        #expect(held.explanation.contains("rate limit"))
        #expect(Self.added(Self.decide(offers: offers, record: r, at: Self.now + 1)) == "B", "60 s after the last add")
        r.lastAdd = Self.now + 3600
        #expect(Self.added(Self.decide(offers: offers, record: r)) == "B", "a last add in the future (clock stepped back) does not block forever")
    }

    @Test func aFailedPeerWaitsTenMinutesOthersDoNot() {
        var r = AutoAddRecord()
        r.lastAdd = Self.now - 60
        r.failures["B"] = Self.now - 60
        let offers = [Self.offer("B", latency: 1, expires: Self.now + 1e4), Self.offer("D", latency: 50, expires: Self.now + 1e4)]
        #expect(Self.added(Self.decide(offers: offers, record: r)) == "D", "the failed best offer is skipped, the next is tried")
        let alone = Self.decide(offers: [offers[0]], record: r)
        #expect(alone.action == nil)
        #expect(alone.explanation.contains("B could not be added"))
        #expect(Self.decide(offers: [offers[0]], record: r, at: Self.now + 539).action == nil)
        #expect(Self.added(Self.decide(offers: [offers[0]], record: r, at: Self.now + 540)) == "B", "10 min after the failure")
    }

    @Test func aSurplusAutomaticUplinkWhoseOfferIsGoneAnHourIsRemoved() {
        var r = AutoAddRecord()
        r.offerMissingSince["B"] = Self.now - 3599
        let ups = [Self.uplink("A"), Self.uplink("B", automatic: true, slot: 2)]
        let health: [String: HealthState] = ["A": .up, "B": .up]
        let one = Self.settings(min: 1)
        #expect(Self.decide(one, uplinks: ups, health: health, offers: [], record: r).action == nil, "59:59 is not an hour")
        let d = Self.decide(one, uplinks: ups, health: health, offers: [], record: r, at: Self.now + 1)
        #expect(Self.removed(d) == "B")
        #expect(d.action?.reason.contains("missing for 60 min") == true)
        // not surplus: min_uplinks 2 still needs B while it works; once it is down it goes
        #expect(Self.decide(uplinks: ups, health: health, offers: [], record: r, at: Self.now + 1).action == nil)
        #expect(Self.removed(Self.decide(uplinks: ups, health: ["A": .up, "B": .down], offers: [], record: r, at: Self.now + 1)) == "B")
        // never in a daemon's first minutes (offers still arriving, a clock just set)
        let early = AutoAdd.decide(settings: one, uplinks: ups, health: health, offers: [:], record: r, now: Self.now + 1, mayRemove: false)
        #expect(early.action == nil)
    }

    @Test func aClockThatWentBackDoesNotPostponeTheHour() {
        let ups = [Self.uplink("B", automatic: true)]
        #expect(AutoAdd.offerMissingSince(uplinks: ups, offers: [:], previous: ["B": Self.now + 7200], now: Self.now) == ["B": Self.now])
    }

    @Test func anOfferFromARouterAlreadyUsedUnderAnotherIDIsNotAdded() {
        var adopted = Self.uplink("to_marta")
        adopted.adopted = true
        adopted.endpoint = Endpoint(host: "169.254.9.2", port: 51821)
        let d = Self.decide(uplinks: [adopted], health: ["to_marta": .up], offers: [Self.offer("marta")])
        #expect(d.action == nil)
        #expect(d.explanation.contains("marta is reached already: uplink to_marta has the same endpoint host"))
    }

    @Test func aManualUplinkIsNeverRemoved() {
        var r = AutoAddRecord()
        r.offerMissingSince["A"] = Self.now - 86_400
        let d = Self.decide(uplinks: [Self.uplink("A"), Self.uplink("B", automatic: true, slot: 2)], offers: [], record: r)
        #expect(d.action == nil)
        #expect(d.explanation == "2 of min_uplinks 2 healthy")
    }

    @Test func missingSinceStartsKeepsAndClears() {
        let ups = [Self.uplink("A"), Self.uplink("B", automatic: true, slot: 2), Self.uplink("D", automatic: true, slot: 3),
                   Self.uplink("W", automatic: true, slot: 4), Self.uplink("E", automatic: true, slot: 5)]
        let offers = ["D": Self.offer("D"), "W": Self.offer("W", withdrawn: true), "E": Self.offer("E", expires: Self.now)]
        let first = AutoAdd.offerMissingSince(uplinks: ups, offers: offers, previous: ["B": Self.now - 100, "D": Self.now - 50, "gone": 1],
                                              now: Self.now)
        #expect(first == ["B": Self.now - 100, "W": Self.now, "E": Self.now],
                "absent keeps its time, withdrawn and expired start now, a present offer clears, manual A and removed peers are not tracked")
    }

    @Test func theRecordKeepsTenActionsAndRoundTrips() throws {
        var r = AutoAddRecord()
        for i in 0..<12 { r.record(.init(time: Double(i), kind: i % 2 == 0 ? .add : .remove, peer: "P\(i)", reason: "r\(i)", ok: i != 3)) }
        #expect(r.actions.count == 10)
        #expect(r.actions.first?.peer == "P2")
        r.lastAdd = 11
        r.failures["P3"] = 3
        r.offerMissingSince["P1"] = 1.5
        r.inFlight = .init(time: 12, kind: .add, peer: "P12", reason: "short", ok: false)
        var s = RuntimeState()
        s.autoAdd = r
        let (back, problems) = RuntimeState.decode(try JSON.parse(JSON.serialize(s.json)))
        #expect(problems.isEmpty)
        #expect(back.autoAdd == r)
        #expect(RuntimeState.decode(try JSON.parse("{\"schema\":\"wireguard-uplink/runtime\",\"version\":1}")).state.autoAdd == AutoAddRecord(),
                "a file from before auto_add reads as empty")
    }

    @Test func theDaemonsRecordSurvivesAnotherWriter() {
        var disk = RuntimeState()
        disk.counters["x"] = 1
        var mine = RuntimeState()
        mine.autoAdd.lastAdd = 5
        mine.autoAdd.record(.init(time: 5, kind: .add, peer: "B", reason: "r", ok: true))
        #expect(disk.adopting(daemon: mine, now: 10).autoAdd == mine.autoAdd)
    }
}
