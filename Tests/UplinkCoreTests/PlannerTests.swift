import Testing
import UCI
@testable import UplinkCore

@Suite struct PlannerTests {
    static let mwan3 = """
    config interface 'wan'
    \toption enabled '1'
    \tlist track_ip '192.0.2.1'
    \tlist track_ip '192.0.2.2'
    \toption reliability '1'
    config member 'wan_m1'
    \toption interface 'wan'
    \toption metric '3'
    config policy 'main'
    \tlist use_member 'wan_m1'
    config rule 'web'
    \toption proto 'tcp'
    \toption dest_port '80'
    \toption use_policy 'wan_only'
    config policy 'wan_only'
    \tlist use_member 'wan_m1'
    config rule 'all'
    \toption use_policy 'main'
    """

    static let network = """
    config interface 'wan'
    \toption metric '20'
    config interface 'mesh'
    \toption proto 'static'
    \toption ipaddr '169.254.1.1'
    \toption netmask '255.255.255.252'
    """

    func uplink(_ peer: String, priority: Int, slot: Int, host: String = "169.254.1.2") throws -> UplinkConfig {
        let key = try WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
        return UplinkConfig(peer: try PeerID(validating: peer), interface: InterfaceNaming.interfaceName(for: try PeerID(validating: peer)),
                            endpoint: Endpoint(host: host, port: 51900), publicKey: key, privateKey: key,
                            addresses: [IPPrefix("10.9.0.2/32")!], priority: priority, slot: slot)
    }

    func plan(_ uplinks: [UplinkConfig], settings: Settings = Settings()) throws -> Plan {
        try Planner.plan(PlanInput(configuration: UplinkConfiguration(settings: settings, uplinks: uplinks),
                                   network: try UCIDocument(text: Self.network).package,
                                   mwan3: try UCIDocument(text: Self.mwan3).package))
    }

    @Test func policyFollowsTheCatchAllRuleAndWarnsAboutBypasses() throws {
        let p = try plan([uplink("a", priority: 50, slot: 1)])
        #expect(p.policy == "main")
        #expect(p.mwan3?.membership?.members == ["wu_a_\(FNV1a.base32("a", count: 4))_m"])
        #expect(p.warnings.contains { $0.contains("'web'") && $0.contains("will not fail over") })
    }

    @Test func metricsRespectWANsAndPriority() throws {
        let p = try plan([uplink("low", priority: 10, slot: 1), uplink("high", priority: 90, slot: 2), uplink("high2", priority: 90, slot: 3)])
        let byPeer = Dictionary(uniqueKeysWithValues: p.uplinks.map { ($0.peer.rawValue, $0) })
        #expect(byPeer["high"]!.memberMetric == 4)
        #expect(byPeer["high2"]!.memberMetric == 4)
        #expect(byPeer["low"]!.memberMetric == 5)
        #expect(byPeer["low"]!.routeMetric == 21)
        #expect(byPeer["high"]!.routeMetric == 22)
    }

    @Test func endpointOffTheMeshIsFlagged() throws {
        let p = try plan([uplink("far", priority: 50, slot: 1, host: "203.0.113.9")])
        #expect(p.warnings.contains { $0.contains("not on a directly connected mesh network") })
        let q = try plan([uplink("near", priority: 50, slot: 1)])
        #expect(!q.warnings.contains { $0.contains("not on a directly connected") })
    }

    @Test(arguments: [2, 3, 5, 10, 30, 120])
    func uplinkTrackingIsACheapFallbackWhateverTheTimeout(timeout: Int) throws {
        var s = Settings()
        s.failoverTimeout = timeout
        let p = try plan([uplink("a", priority: 50, slot: 1)], settings: s)
        let t = try #require(p.tracking)
        // one target out of the two tracked never downs the uplink
        #expect(t.targets == 2 && t.reliability == 1)
        #expect(t.maximumEchoesPerHour <= 240, "\(t.maximumEchoesPerHour) echoes an hour")
        #expect(t.down == 3 && t.interval == 30)
        // after an mwan3 restart (initial_state offline) a healthy uplink is back in use within 5 s
        #expect(t.unusedAfterRestart <= 5, "\(t.unusedAfterRestart) s without the uplink after an mwan3 restart")
        // generated section tracks only the first two targets
        let opts = t.options(trackIPs: s.trackIPs)
        #expect(opts.first { $0.name == "track_ip" }?.value.items == Array(s.trackIPs.prefix(2)))
    }

    @Test func detectionFormulaMatchesMwan3Defaults() {
        // mwan3track defaults: timeout 4, interval 10, down 5; 4 targets → 130 s, 1 target → 70 s
        let four = Mwan3Tracking.reading(UCISection(type: "interface", name: "wan", options: [UCIOption("track_ip", list: ["a", "b", "c", "d"])]))
        #expect(four.worstCaseDetection == 130)
        let one = Mwan3Tracking.reading(UCISection(type: "interface", name: "wan", options: [UCIOption("track_ip", list: ["a"])]))
        #expect(one.worstCaseDetection == 70)
    }

    @Test func noDefaultRuleIsAClearError() throws {
        let m = try UCIDocument(text: "config policy 'p'\nconfig rule 'r'\n\toption proto 'tcp'\n\toption use_policy 'p'\n").package
        let cfg = UplinkConfiguration(settings: Settings(), uplinks: [try uplink("a", priority: 50, slot: 1)])
        do {
            _ = try Planner.plan(PlanInput(configuration: cfg, network: UCIPackage(), mwan3: m))
            Issue.record("planned without a default rule")
        } catch {
            #expect(error.message.contains("no rule for IPv4 default traffic"))
        }
    }

    @Test func samePlanForSameInput() throws {
        let ups = [try uplink("a", priority: 50, slot: 1), try uplink("b", priority: 60, slot: 2)]
        let first = try plan(ups)
        #expect(try first == plan(ups))
    }
}
