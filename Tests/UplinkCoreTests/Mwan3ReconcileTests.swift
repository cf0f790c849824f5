import Testing
import UCI
import UplinkCore

/// mwan3's one-shot checks against the daemon's verdicts: every decision of Mwan3Reconcile,
/// Mwan3Layout's reading of mwan3's numbering, and the last-online-member guard.
struct Mwan3ReconcileTests {
    typealias O = Mwan3Reconcile.Observation

    @Test func aHealthyPathWhoseTrackerIsDisabledIsRepaired() {
        let obs = [O(interface: "wu_a", state: .up, ifaceState: nil, trackStatus: "disabled")]
        #expect(Mwan3Reconcile.problems(obs, held: [], inFlight: []).map(\.problem) == [.trackerDisabled])
        // ours to hold, a command running, or the daemon finds it down: left alone
        #expect(Mwan3Reconcile.problems(obs, held: ["wu_a"], inFlight: []).isEmpty)
        #expect(Mwan3Reconcile.problems(obs, held: [], inFlight: ["wu_a"]).isEmpty)
        for s in [HealthState.down, .unknown] {
            #expect(Mwan3Reconcile.problems([O(interface: "wu_a", state: s, ifaceState: nil, trackStatus: "disabled")], held: [], inFlight: []).isEmpty)
        }
    }

    @Test func anOnlineInterfaceWithoutItsDefaultRouteIsRepaired() {
        let missing = O(interface: "wan", state: .up, ifaceState: "online", trackStatus: "online", tableHasDefault: false)
        #expect(Mwan3Reconcile.problems([missing], held: [], inFlight: []).map(\.problem) == [.tableWithoutDefault])
        var fine = missing
        fine.tableHasDefault = true
        #expect(Mwan3Reconcile.problems([fine], held: [], inFlight: []).isEmpty)
        fine.tableHasDefault = nil  // not looked: no verdict
        #expect(Mwan3Reconcile.problems([fine], held: [], inFlight: []).isEmpty)
        // a tracker still confirming (initial_state offline) is mwan3 doing its job
        #expect(Mwan3Reconcile.problems([O(interface: "wu_a", state: .up, ifaceState: "offline", trackStatus: "connecting")], held: [], inFlight: []).isEmpty)
    }

    @Test func aPutBackIsConfirmedTrackingOrIgnored() {
        #expect(Mwan3Reconcile.putBack(ifaceState: "online", trackStatus: "online") == .confirmed)
        #expect(Mwan3Reconcile.putBack(ifaceState: "offline", trackStatus: "offline") == .tracking)
        #expect(Mwan3Reconcile.putBack(ifaceState: "offline", trackStatus: "connecting") == .tracking)
        #expect(Mwan3Reconcile.putBack(ifaceState: "offline", trackStatus: "disabled") == .ignored)
        #expect(Mwan3Reconcile.putBack(ifaceState: nil, trackStatus: nil) == .ignored)
        // iface_state online is written by the ifup itself: taken, the tracker follows
        #expect(Mwan3Reconcile.putBack(ifaceState: "online", trackStatus: "disabled") == .confirmed)
    }

    @Test func retriesBackOff() {
        #expect((0...7).map(Mwan3Reconcile.retryDelay) == [0, 4, 8, 16, 30, 30, 30, 30])
    }

    @Test func tablesAreNumberedByPositionCountingDisabledInterfaces() throws {
        let doc = try UCIDocument(bytes: Array("""
        config interface 'wan'
        \toption enabled '1'
        config interface 'wanb'
        \toption enabled '0'
        config interface 'wan6'
        \toption family 'ipv6'
        config interface 'wu_a'
        \toption enabled '1'
        config member 'wan_m1'
        \toption interface 'wan'
        config member 'wanb_m1'
        \toption interface 'wanb'
        config member 'wu_a_m'
        \toption interface 'wu_a'
        config policy 'balanced'
        \tlist use_member 'wan_m1'
        \tlist use_member 'wu_a_m'
        config policy 'wanb_only'
        \tlist use_member 'wanb_m1'
        config rule 'default_rule_v4'
        \toption use_policy 'balanced'
        """.utf8))
        let l = Mwan3Layout(mwan3: doc.package)
        #expect(l.tableIDs == ["wan": 1, "wanb": 2, "wan6": 3, "wu_a": 4])
        #expect(l.families["wan6"] == .ipv6)
        // wanb_only is used by no rule: it guards nothing
        #expect(l.peers == ["wan": ["wu_a"], "wu_a": ["wan"]])
    }

    @Test func theLastOnlineMemberIsNotTakenOut() {
        let paths = [Mwan3Hold.Path(interface: "wan", state: .down, mwan3State: "online"),
                     Mwan3Hold.Path(interface: "wu_a", state: .up, mwan3State: "offline")]
        let peers: [String: Set<String>] = ["wan": ["wu_a"], "wu_a": ["wan"]]
        #expect(Mwan3Hold.decide(paths: paths, held: [], peers: peers).isEmpty)
        var ready = paths
        ready[1].mwan3State = "online"
        #expect(Mwan3Hold.decide(paths: ready, held: [], peers: peers) == [.takeOut("wan")])
        // another interface of the policy that the daemon does not watch counts too
        #expect(Mwan3Hold.decide(paths: paths, held: [], peers: ["wan": ["wu_a", "wanb"]], online: ["wan", "wanb"]) == [.takeOut("wan")])
        // both dead, one online: the first goes, the last online one stays
        let both = [Mwan3Hold.Path(interface: "wan", state: .down, mwan3State: "online"),
                    Mwan3Hold.Path(interface: "wu_a", state: .down, mwan3State: "online"),
                    Mwan3Hold.Path(interface: "wu_b", state: .up, mwan3State: "offline")]
        let p3: [String: Set<String>] = ["wan": ["wu_a", "wu_b"], "wu_a": ["wan", "wu_b"], "wu_b": ["wan", "wu_a"]]
        #expect(Mwan3Hold.decide(paths: both, held: [], peers: p3) == [.takeOut("wan")])
    }
}
