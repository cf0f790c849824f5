#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import UplinkApp
import UplinkCore
import UplinkSystem

/// A router's ordinary life, through the daemon's seam (FakeSenses, FakeMwan3): devices made
/// again under their names, a daemon started before its WAN exists, mwan3's one-shot start
/// leaving paths unused, put-backs mwan3 ignores, stop with holds. No root, no packet sent.
@Suite(.serialized) final class DaemonLifecycleTests {
    let fx: FixtureRoot
    let senses = FakeSenses()
    let mwan3: FakeMwan3
    var lines: [String] = []
    var virtual = Clock.monotonic()
    var uplinkIface = ""

    init() throws {
        fx = try FixtureRoot()
        mwan3 = FakeMwan3(paths: fx.paths, up: ["wan"])
    }

    /// The fixture router (stock mwan3) with one uplink, its WAN device `wan` present and
    /// answering unless `wanExists` is false.
    func daemon(wanExists: Bool = true, uplink: Bool = true) throws -> Daemon {
        if uplink {
            let (u, _) = try fx.service.add(Sample.request("nodeA"))
            uplinkIface = u.interface
            senses.create(u.device)
            senses.answers.insert(u.device)
            mwan3.netifdUp.insert(u.interface)
            mwan3.initialState[u.interface] = "offline"
        }
        if wanExists {
            senses.create("wan")
            senses.answers.insert("wan")
        }
        let layout = Mwan3Layout(mwan3: try fx.package("mwan3"))
        mwan3.tableIDs = layout.tableIDs
        for (i, id) in layout.tableIDs where mwan3.netifdUp.contains(i) {
            mwan3.tablesDefault.insert(id)
            mwan3.ifaceStates[i] = "online"
            mwan3.trackers[i] = "online"
        }
        let d = try Daemon(service: fx.service, mwan3: mwan3, senses: senses) { [weak self] in self?.lines.append($0) }
        d.clock = { [unowned self] in self.virtual }
        try d.setUp()
        return d
    }

    /// `n` rounds of the fast loop, time moving one fastPeriod each.
    func rounds(_ d: Daemon, _ n: Int) {
        for _ in 0..<n {
            virtual += d.policy.fastPeriod
            d.fastStep(now: virtual)
        }
    }

    func state(_ d: Daemon, _ key: String) -> HealthState? { d.trackers[key]?.health.state }
    func logged(_ s: String) -> Bool { lines.contains { $0.contains(s) } }

    func setUplinkUp(_ d: Daemon) {
        d.trackers["uplink:nodeA"]?.set(.up, Clock.now())
        d.reselect(reason: "test")
        d.enforceMwan3()
    }

    /// The WAN up, the uplink up and online in mwan3: ready to fail over.
    func ready(_ d: Daemon) {
        rounds(d, 5)
        setUplinkUp(d)
        mwan3.trackerConfirms(uplinkIface)
    }

    /// Ready, then a silent cut: failed over, WAN held.
    func failOver(_ d: Daemon) {
        ready(d)
        senses.answers.remove("wan")
        rounds(d, 5)
    }

    @Test func aWANDeviceMadeAgainIsProbedThroughTheNewOneAndNeverFailedOver() throws {
        let d = try daemon()
        rounds(d, 5)
        #expect(state(d, "wan:wan") == .up)
        let first = senses.devices["wan"]!
        // a PPPoE reconnect: the same name, another index, while the WAN stays healthy
        senses.delete("wan")
        senses.create("wan")
        rounds(d, 6)
        #expect(senses.opened.last?.device == "wan" && senses.opened.last?.index == senses.devices["wan"], "\(senses.opened)")
        #expect(senses.opened.last?.index != first)
        #expect(logged("wan:wan: probe re-bound"), "\(lines)")
        #expect(state(d, "wan:wan") == .up, "sends on the dead socket are no verdict on the path")
        #expect(!mwan3.commands.contains("ifdown wan"), "\(mwan3.commands)")
    }

    @Test func whileFailedOverAWANMadeAgainFailsBackAfterTheHysteresis() throws {
        let d = try daemon()
        failOver(d)
        #expect(state(d, "wan:wan") == .down)
        #expect(mwan3.commands == ["ifdown wan"], "\(mwan3.commands)")
        #expect(d.held == ["wan"])
        // the session drops and comes back as a new device, healthy
        senses.delete("wan")
        rounds(d, 2)
        senses.create("wan")
        senses.answers.insert("wan")
        d.onMessage("ifup wan wan")
        rounds(d, d.policy.successesToRecover - 2)
        #expect(!mwan3.commands.contains("ifup wan"), "not before the hysteresis: \(mwan3.commands)")
        rounds(d, 4)
        #expect(state(d, "wan:wan") == .up)
        #expect(mwan3.commands.last == "ifup wan", "\(mwan3.commands)")
        #expect(d.held.isEmpty)
        #expect(mwan3.loadHolds().isEmpty)
    }

    @Test func aDaemonStartedBeforeItsWANExistsProbesItOnceItAppears() throws {
        let d = try daemon(wanExists: false)
        rounds(d, 3)
        #expect(!senses.opened.contains { $0.device == "wan" })
        senses.create("wan")
        senses.answers.insert("wan")
        d.onMessage("ifup wan wan")
        rounds(d, 5)
        #expect(senses.opened.contains { $0.device == "wan" })
        #expect(state(d, "wan:wan") == .up, "\(lines)")
        #expect(!mwan3.commands.contains("ifdown wan"))
    }

    @Test func aWANDeviceGoneIsDownForThatReason() throws {
        let d = try daemon()
        ready(d)
        senses.delete("wan")
        d.onLinkEvents(["wan"])
        // no device: netifd names none, so the WAN is no path for now; it is kept, down
        #expect(d.trackers["wan:wan"] == nil)
        #expect(d.vanished["wan:wan"]?.health.state == .down)
        #expect(d.vanished["wan:wan"]?.health.detail == "device wan is gone")
        #expect(RuntimeStateStore(paths: fx.paths).load().state.paths["wan:wan"]?.state == .down, "status still shows the WAN, down")
        #expect(mwan3.commands == ["ifdown wan"])
    }

    /// mwan3's one-shot start: the uplink's tracker found it down (`disabled`) and the WAN's
    /// table lacks its default route. Both are repaired with an ifup and said in the state.
    @Test func theStartRaceIsRepairedAndSaid() throws {
        let d = try daemon()
        mwan3.trackers[uplinkIface] = "disabled"
        mwan3.ifaceStates[uplinkIface] = nil
        mwan3.tablesDefault.remove(mwan3.tableIDs["wan"]!)
        rounds(d, 5)
        setUplinkUp(d)
        rounds(d, 1)
        #expect(mwan3.commands.contains("ifup \(uplinkIface)"), "\(mwan3.commands)")
        // one look at a table without its default route is no verdict (mwan3rtmon fills the
        // tables just after mwan3's start): the second, a second later, is
        #expect(!mwan3.commands.contains("ifup wan"), "\(mwan3.commands)")
        for _ in 0..<3 { virtual += 0.5; rounds(d, 1) }
        #expect(mwan3.commands.contains("ifup wan"), "\(mwan3.commands)")
        #expect(mwan3.tablesDefault.contains(mwan3.tableIDs["wan"]!))
        let problems = Set(d.state.mwan3.repairs.map { "\($0.interface):\($0.problem)" })
        #expect(problems == ["\(uplinkIface):tracker_disabled", "wan:table_without_default"])
        #expect(logged("mwan3: repair wan: mwan3 shows it online but its routing table has no default route"))
        // saved for status
        let saved = RuntimeStateStore(paths: fx.paths).load().state
        #expect(saved.mwan3.repairs.count == 2)
        // repaired: nothing more is run
        let n = mwan3.commands.count
        virtual += 60
        rounds(d, 3)
        #expect(mwan3.commands.count == n, "\(mwan3.commands)")
    }

    /// While mwan3 runs a command or its init script (procd's lock held), what it shows is
    /// half-built (a stop empties the tables 2 s before it removes its status): no repair.
    @Test func nothingIsRepairedWhileMwan3IsBusy() throws {
        let d = try daemon()
        mwan3.isBusy = true
        mwan3.tablesDefault = []
        rounds(d, 5)
        setUplinkUp(d)
        for _ in 0..<10 { virtual += 0.5; rounds(d, 1) }
        #expect(mwan3.commands.isEmpty, "\(mwan3.commands)")
        mwan3.isBusy = false
        for _ in 0..<4 { virtual += 0.5; rounds(d, 1) }
        #expect(mwan3.commands.contains("ifup wan"), "\(mwan3.commands)")
    }

    /// A respawn with every path still held on file: nothing goes back before it is measured
    /// (a dead WAN handed back unchecked would be used at once with initial_state online).
    @Test func aRespawnWithEveryPathHeldHandsNothingBackUnmeasured() throws {
        try mwan3.saveHolds(["wan"])
        senses.answers = []
        let d = try daemon(uplink: false)
        senses.answers = []
        #expect(d.held == ["wan"])
        #expect(state(d, "wan:wan") == .down)
        #expect(mwan3.commands.isEmpty, "\(mwan3.commands)")
        // measured dead: every path dead, so mwan3's tracking decides
        rounds(d, 4)
        #expect(mwan3.commands == ["ifup wan"], "\(mwan3.commands)")
    }

    /// On OpenWrt wan and wan6 share a device: hotplug's `ifdown wan6 wan` is about wan6 only.
    @Test func anIfdownOfWan6LeavesTheIPv4WANAlone() throws {
        let d = try daemon()
        ready(d)
        d.onMessage("ifdown wan6 wan")
        #expect(state(d, "wan:wan") == .up)
        #expect(!mwan3.commands.contains("ifdown wan"), "\(mwan3.commands)")
        d.onMessage("ifdown wan wan")
        #expect(mwan3.commands.contains("ifdown wan"))
    }

    /// A hold on an interface mwan3 no longer has (an uplink removed while held) is dropped,
    /// never put back again and again.
    @Test func aHoldOnAnInterfaceMwan3NoLongerHasIsDropped() throws {
        try mwan3.saveHolds(["wu_gone"])
        let d = try daemon()
        rounds(d, 5)
        #expect(d.held.isEmpty)
        #expect(!mwan3.commands.contains("ifup wu_gone"), "\(mwan3.commands)")
        #expect(mwan3.loadHolds().isEmpty)
        #expect(logged("wu_gone is no mwan3 interface any more"))
    }

    /// The daemon's own apply at start writes our interfaces into mwan3's configuration (here
    /// the administrator restored their mwan3 file while no daemon ran): their holds are ours
    /// to hand back, not dropped as unknown.
    @Test func interfacesTheStartApplyWroteAreKnown() throws {
        let (u, _) = try fx.service.add(Sample.request("nodeA"))
        try Files.writeAtomically(fx.config("mwan3"), fx.original("mwan3")!)
        senses.create(u.device)
        mwan3.netifdUp.insert(u.interface)
        try mwan3.saveHolds([u.interface])
        let d = try daemon(uplink: false)
        #expect(d.mwan3Layout.tableIDs[u.interface] != nil)
        d.releaseHolds(reason: "stopping")
        #expect(mwan3.commands.contains("ifup \(u.interface)"), "\(mwan3.commands) \(lines)")
        #expect(mwan3.loadHolds().isEmpty)
    }

    /// An ifup that cannot mend it (here mwan3 ignores every one) is tried a bounded number of
    /// times, then said once, in the log and the state.
    @Test func aRepairThatCannotWorkGivesUpAndSaysSo() throws {
        let d = try daemon()
        mwan3.trackers[uplinkIface] = "disabled"
        mwan3.ifaceStates[uplinkIface] = nil
        mwan3.ignoreIfup[uplinkIface] = 1000
        rounds(d, 5)
        setUplinkUp(d)
        for _ in 0..<40 { virtual += 10; rounds(d, 1) }
        let ups = mwan3.commands.filter { $0 == "ifup \(uplinkIface)" }.count
        #expect(ups == Mwan3Reconcile.attemptLimit, "\(mwan3.commands)")
        #expect(lines.filter { $0.contains("WARNING: mwan3: \(uplinkIface)") }.count == 1)
        #expect(d.state.mwan3.repairs.last?.action == "gave_up")
    }

    /// The WAN dies while the uplink's tracker has not confirmed it yet: taking the WAN out
    /// would leave the policy unreachable, so it stays until mwan3 has the uplink online.
    @Test func mwan3sLastOnlineMemberIsNotTakenOut() throws {
        let d = try daemon()
        mwan3.ifaceStates[uplinkIface] = "offline"
        mwan3.trackers[uplinkIface] = "connecting"
        rounds(d, 5)
        setUplinkUp(d)
        senses.answers.remove("wan")
        rounds(d, 5)
        #expect(state(d, "wan:wan") == .down)
        #expect(!mwan3.commands.contains("ifdown wan"), "\(mwan3.commands)")
        mwan3.trackerConfirms(uplinkIface)
        rounds(d, 1)
        #expect(mwan3.commands.contains("ifdown wan"))
    }

    /// Upstream mwan3 exits 0 and ignores an ifup while netifd reports the interface down: the
    /// put-back is pending until mwan3 reports it online, and run again meanwhile.
    @Test func aPutBackMwan3IgnoresIsRetriedUntilOnline() throws {
        let d = try daemon()
        failOver(d)
        #expect(d.held == ["wan"])
        mwan3.ignoreIfup["wan"] = 2
        senses.answers.insert("wan")
        rounds(d, d.policy.successesToRecover + 2)
        #expect(mwan3.commands.filter { $0 == "ifup wan" }.count == 1)
        #expect(d.state.mwan3.pending["wan"] != nil)
        for _ in 0..<12 { virtual += 2; rounds(d, 1) }
        #expect(mwan3.commands.filter { $0 == "ifup wan" }.count == 3, "\(mwan3.commands)")
        #expect(mwan3.interfaceState("wan") == "online")
        #expect(d.state.mwan3.pending.isEmpty)
        #expect(logged("mwan3: wan is online again"))
        #expect(d.state.mwan3.repairs.filter { $0.problem == "put_back_ignored" }.count == 2)
    }

    /// Stop with three interfaces held while an ifdown hangs on mwan3's lock: the hung command
    /// is ended, all three are handed back at once, each confirmed, within the budget.
    @Test func stopHandsEveryHoldBackAtOnce() throws {
        let (b, _) = try fx.service.add(Sample.request("nodeB", host: "169.254.43.2", address: "10.200.2.2/32"))
        senses.create(b.device)
        mwan3.netifdUp.insert(b.interface)
        let d = try daemon()
        rounds(d, 5)
        let three: Set<String> = ["wan", uplinkIface, b.interface]
        for i in three { mwan3.ifaceStates[i] = "offline"; mwan3.trackers[i] = "disabled" }
        d.held = three
        try mwan3.saveHolds(three)
        mwan3.hangNext = 1
        _ = mwan3.start(.takeOut("wan"))
        mwan3.pollsToFinish = 3
        let t0 = Clock.monotonic()
        d.releaseHolds(reason: "stopping")
        let took = Clock.monotonic() - t0
        #expect(took < Daemon.releaseBudget / 2, "took \(took) s")
        #expect(mwan3.killed == 1)
        #expect(Set(mwan3.commands.filter { $0.hasPrefix("ifup") }) == Set(three.map { "ifup \($0)" }))
        #expect(d.held.isEmpty)
        #expect(mwan3.loadHolds().isEmpty)
        for i in three { #expect(mwan3.trackStatus(i) != "disabled", "\(i)") }
    }
}

/// netifd's answer for a WAN: its l3_device only while up (a PPPoE interface's `device` is
/// the Ethernet device under the session, never the path).
struct WANDeviceTests {
    @Test func onlyAnUpInterfacesL3Device() throws {
        let up = try JSON.parse(#"{"up": true, "device": "eth1", "l3_device": "pppoe-wan"}"#)
        let down = try JSON.parse(#"{"up": false, "device": "eth1"}"#)
        let plain = try JSON.parse(#"{"up": true, "device": "eth1", "l3_device": "eth1"}"#)
        #expect(UplinkService.wanDevice(status: up) == "pppoe-wan")
        #expect(UplinkService.wanDevice(status: down) == nil)
        #expect(UplinkService.wanDevice(status: plain) == "eth1")
    }
}
