#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkApp
import UplinkCore
import UplinkSystem

/// On the mwan3 backend `status` says where traffic goes by mwan3's word, and separately what
/// the daemon decided and holds: a failover that has not happened is never shown as done.
@Suite(.serialized) struct Mwan3StatusTests {
    func setUp() throws -> (FixtureRoot, String) {
        let f = try FixtureRoot()
        let added = try f.service.add(Sample.request("nodeA"))
        _ = added
        let iface = try #require(f.service.list()["uplinks"]?.arrayValue?.first?["interface"]?.stringValue)
        // the daemon (this process stands in for it: its pid is alive) decided to fail over
        var st = RuntimeState()
        st.daemonPID = Int(getpid())
        st.activePath = "uplink:nodeA"
        st.failoverActive = true
        try RuntimeStateStore(paths: f.paths).replace(st)
        return (f, iface)
    }

    func mwan3State(_ f: FixtureRoot, _ iface: String, _ s: String) throws {
        try Files.writeAtomically(f.paths.path("var/run/mwan3/iface_state/\(iface)"), Array("\(s)\n".utf8))
    }

    @Test func aDecisionMwan3HasNotCarriedOutIsNotShownAsDone() throws {
        let (f, iface) = try setUp()
        for w in ["wan", "wanb"] { try mwan3State(f, w, "online") }
        try mwan3State(f, iface, "online")
        let v = try f.service.status()
        #expect(v["active_source"]?.stringValue == "mwan3")
        #expect(v["active_kind"]?.stringValue == "wan", "mwan3 still routes to a WAN: \(v["active_path"] ?? .null)")
        #expect(v["failover_active"] == .bool(false))
        #expect(v["daemon_path"]?.stringValue == "uplink:nodeA")
        let human = try Wgctl.run(["--root", f.root, "uplink", "status"])
        #expect(human.output.contains("(mwan3 has not switched yet)"), "\(human.output)")
    }

    @Test func heldWANsAndMwan3StatesArePerPath() throws {
        let (f, iface) = try setUp()
        for w in ["wan", "wanb"] { try mwan3State(f, w, "offline") }
        try mwan3State(f, iface, "online")
        try Mwan3Control(paths: f.paths).saveHolds(["wan", "wanb"])
        var st = RuntimeStateStore(paths: f.paths).load().state
        st.paths["wan:wan"] = PathHealth(kind: .wan, name: "wan", device: "eth1")
        try RuntimeStateStore(paths: f.paths).replace(st)
        let v = try f.service.status()
        #expect(v["active_path"]?.stringValue == "uplink:nodeA")
        #expect(v["failover_active"] == .bool(true))
        #expect(v["mwan3_held"]?.arrayValue == [.string("wan"), .string("wanb")])
        let wan = try #require(v["wans"]?.arrayValue?.first)
        #expect(wan["mwan3_state"]?.stringValue == "offline" && wan["held"] == .bool(true))
        let up = try #require(v["uplinks"]?.arrayValue?.first)
        #expect(up["mwan3_state"]?.stringValue == "online" && up["held"] == .bool(false))
        let human = try Wgctl.run(["--root", f.root, "uplink", "status"])
        #expect(human.output.contains("holding out of mwan3: wan, wanb"), "\(human.output)")
        #expect(!human.output.contains("not switched yet"))
    }

    @Test func theBudgetCountsTheSwitch() throws {
        let (f, _) = try setUp()
        let d = try #require(f.service.status()["detection"])
        let detect = try #require(d["daemon_s"]?.doubleValue), sw = try #require(d["switch_s"]?.doubleValue)
        let total = try #require(d["worst_case_s"]?.doubleValue)
        #expect(sw >= 0.7, "mwan3 ifdown takes up to 0.73 s")
        #expect(abs(total - (detect + sw)) < 0.011)
    }

    /// backend 'auto' picks mwan3 because its config exists; a stopped mwan3 switches nothing,
    /// and status says so (code, words, first warning) instead of looking ready.
    @Test func aStoppedMwan3IsSaidInStatus() throws {
        let (f, iface) = try setUp()
        let stopped = try f.service.status()
        #expect(stopped["backend"]?.stringValue == "mwan3")
        #expect(stopped["backend_problem"]?["code"]?.stringValue == "mwan3_not_running")
        let words = try #require(stopped["backend_problem"]?["message"]?.stringValue)
        #expect(words.contains("backend 'auto' chose mwan3") && words.contains("/etc/init.d/mwan3 start"))
        #expect(stopped["warnings"]?.arrayValue?.first?.stringValue == words)
        let human = try Wgctl.run(["--root", f.root, "uplink", "status"])
        #expect(human.output.contains("mwan3 is not running"), "\(human.output)")

        // running (its status directory exists) but not linked in /etc/rc.d: gone after a reboot
        try mwan3State(f, iface, "online")
        try Files.writeAtomically(f.paths.path("etc/rc.d/S50dnsmasq"), [])
        #expect(try f.service.status()["backend_problem"]?["code"]?.stringValue == "mwan3_not_enabled")
        try Files.writeAtomically(f.paths.path("etc/rc.d/S19mwan3"), [])
        let fine = try f.service.status()
        #expect(fine["backend_problem"] == .null)
        let fineWarnings = fine["warnings"]?.arrayValue ?? []
        #expect(!fineWarnings.contains { $0.stringValue?.contains("mwan3 is not") == true }, "\(fineWarnings)")
    }

    @Test func theLinuxBackendHasNoMwan3Problem() {
        let stopped = Mwan3Service(running: false, enabledAtBoot: false)
        #expect(BackendProblem.of(.linux, configured: .auto, mwan3: stopped) == nil)
        let explicit = BackendProblem.of(.mwan3, configured: .mwan3, mwan3: stopped)
        #expect(explicit?.code == .mwan3NotRunning && explicit?.message.contains("auto") == false)
        #expect(BackendProblem.of(.mwan3, configured: .mwan3, mwan3: Mwan3Service(running: true, enabledAtBoot: nil)) == nil)
    }
}
