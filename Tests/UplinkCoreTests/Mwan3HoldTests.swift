import Testing
import UCI
import UplinkCore

/// The daemon decides, mwan3 enforces: every case of Mwan3Hold.decide.
struct Mwan3HoldTests {
    typealias P = Mwan3Hold.Path

    @Test func aDeadWANIsTakenOutOnce() {
        let paths = [P(interface: "wan", state: .down, mwan3State: "online"), P(interface: "wu_a", state: .up, mwan3State: "online")]
        #expect(Mwan3Hold.decide(paths: paths, held: []) == [.takeOut("wan")])
        // held and mwan3 agrees: nothing more to do
        let after = [P(interface: "wan", state: .down, mwan3State: "offline"), P(interface: "wu_a", state: .up, mwan3State: "online")]
        #expect(Mwan3Hold.decide(paths: after, held: ["wan"]).isEmpty)
    }

    @Test func aHoldUndoneByAnMwan3RestartIsTakenAgain() {
        // `/etc/init.d/mwan3 restart` or a netifd ifup brings the dead WAN back online
        let paths = [P(interface: "wan", state: .down, mwan3State: "online"), P(interface: "wu_a", state: .up, mwan3State: "online")]
        #expect(Mwan3Hold.decide(paths: paths, held: ["wan"]) == [.takeOut("wan")])
    }

    @Test func aHeldPathGoesBackOnlyWhenHealthy() {
        for (state, expected) in [(HealthState.unknown, [Mwan3Hold.Action]()), (.down, []), (.up, [.putBack("wan")]), (.degraded, [.putBack("wan")])] {
            let paths = [P(interface: "wan", state: state, mwan3State: "offline"), P(interface: "wu_a", state: .up, mwan3State: "online")]
            #expect(Mwan3Hold.decide(paths: paths, held: ["wan"]) == expected, "state \(state)")
        }
    }

    @Test func afterARespawnAHeldWANStaysOutUntilProven() {
        // a kill -9 while failed over: the respawned daemon knows nothing yet (unknown)
        let paths = [P(interface: "wan", state: .unknown, mwan3State: "disabled"), P(interface: "wu_a", state: .unknown, mwan3State: "online")]
        #expect(Mwan3Hold.decide(paths: paths, held: ["wan"]).isEmpty)
    }

    @Test func anUplinkWhoseProviderDiedIsTakenOut() {
        let paths = [P(interface: "wan", state: .down, mwan3State: "offline"), P(interface: "wu_a", state: .down, mwan3State: "online"),
                     P(interface: "wu_b", state: .up, mwan3State: "online")]
        #expect(Mwan3Hold.decide(paths: paths, held: ["wan"]) == [.takeOut("wu_a")])
    }

    @Test func withNothingUsableTheDaemonStepsBack() {
        // every path down: the daemon's own targets may be what failed; mwan3's tracking decides
        let paths = [P(interface: "wan", state: .down, mwan3State: "offline"), P(interface: "wu_a", state: .down, mwan3State: "online")]
        #expect(Mwan3Hold.decide(paths: paths, held: ["wan"]) == [.putBack("wan")])
        #expect(Mwan3Hold.decide(paths: paths, held: []).isEmpty)
    }

    @Test func aHoldOnAPathThatIsGoneIsReleased() {
        let paths = [P(interface: "wan", state: .up, mwan3State: "online")]
        #expect(Mwan3Hold.decide(paths: paths, held: ["wu_gone"]) == [.putBack("wu_gone")])
    }

    @Test func aRunningCommandIsNotDoubled() {
        let paths = [P(interface: "wan", state: .down, mwan3State: "online"), P(interface: "wu_a", state: .up, mwan3State: "online")]
        #expect(Mwan3Hold.decide(paths: paths, held: ["wan"], inFlight: ["wan"]).isEmpty)
        #expect(Mwan3Hold.decide(paths: [P(interface: "wan", state: .up, mwan3State: "online")], held: ["x"], inFlight: ["x"]).isEmpty)
    }

    @Test func theProbeMarkIsMwan3sDefaultMark() throws {
        #expect(Mwan3Context.defaultRoutingMark(nil) == 0x3F00)
        let doc = try UCIDocument(text: "config globals 'globals'\n\toption mmx_mask '0x00FF'\n")
        #expect(Mwan3Context.defaultRoutingMark(doc.package) == 0x00FF)
        let bad = try UCIDocument(text: "config globals 'globals'\n\toption mmx_mask 'nonsense'\n")
        #expect(Mwan3Context.defaultRoutingMark(bad.package) == 0x3F00)
    }
}
