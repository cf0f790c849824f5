import Testing
import UCI
import UplinkApp
import UplinkCore
import UplinkSystem

/// Runs the generated mwan3 config through a model of mwan3's decision (first matching rule,
/// lowest online metric): default traffic reaches an uplink exactly when every WAN member is
/// offline, and the uplinks' own UDP never does.
@Suite struct Mwan3SemanticsTests {
    let internet = Mwan3Model.Packet(proto: "icmp", destination: IPAddress("198.51.100.7")!)
    let web = Mwan3Model.Packet(proto: "tcp", destination: IPAddress("198.51.100.7")!, destinationPort: 443)

    func setup(enableWanb: Bool = false) throws -> (FixtureRoot, Mwan3Model, [String: String]) {
        let f = try FixtureRoot()
        if enableWanb {
            let doc = try UCIDocument(bytes: f.bytes("mwan3")!)
            var c = UCIChangeSet(doc)
            c.setOption(section: doc.package.index(ofSectionNamed: "wanb")!, name: "enabled", value: "1")
            try Files.writeAtomically(f.config("mwan3"), try c.apply())
        }
        var ifs: [String: String] = [:]
        let (a, _) = try f.service.add(Sample.request("nodeA", host: "169.254.42.2", port: 51900, address: "10.200.1.2/32", priority: 80))
        let (b, _) = try f.service.add(Sample.request("nodeB", host: "10.254.7.3", port: 51901, address: "10.200.2.2/32", priority: 40))
        ifs["A"] = a.interface
        ifs["B"] = b.interface
        return (f, Mwan3Model(try f.package("mwan3")), ifs)
    }

    /// Stock mwan3 has one enabled WAN (wanb is disabled); with wanb enabled there are two.
    @Test(arguments: [false, true])
    func defaultTrafficUsesTheUplinkExactlyWhenEveryWANIsOffline(enableWanb: Bool) throws {
        let (_, model, ifs) = try setup(enableWanb: enableWanb)
        let a = ifs["A"]!, b = ifs["B"]!
        let wans: [Set<String>] = enableWanb ? [["wan"], ["wanb"], ["wan", "wanb"], []] : [["wan"], []]
        for wanOnline in wans {
            for uplinksOnline in [Set<String>(), [a], [b], [a, b]] {
                let online = wanOnline.union(uplinksOnline)
                for packet in [internet, web] {
                    let d = model.decide(packet, online: online)
                    guard case .interfaces(let chosen) = d else {
                        #expect(online.isEmpty || (wanOnline.isEmpty && uplinksOnline.isEmpty), "no path while \(online) online")
                        continue
                    }
                    let usesUplink = chosen.contains(a) || chosen.contains(b)
                    #expect(usesUplink == wanOnline.isEmpty, "online \(online): chose \(chosen)")
                    if wanOnline.isEmpty && uplinksOnline.contains(a) {
                        #expect(chosen == [a], "the higher priority uplink goes first")
                    }
                }
            }
        }
    }

    @Test func uplinkEndpointUDPNeverEntersAnUplink() throws {
        let (f, model, ifs) = try setup()
        let cfg = try UplinkConfiguration(package: try f.package("wireguard-uplink"))
        for u in cfg.uplinks {
            let packet = Mwan3Model.Packet(proto: "udp", destination: IPAddress(u.endpoint.host)!, destinationPort: u.endpoint.port)
            for online in [Set<String>(), ["wan"], [ifs["A"]!, ifs["B"]!], ["wan", ifs["A"]!]] {
                #expect(model.decide(packet, online: online) == .mainTable, "\(u.peer) endpoint UDP with \(online) online")
            }
            #expect(model.matchingRule(packet)?.name == InterfaceNaming.endpointRuleName(interface: u.interface))
        }
    }

    @Test func memberMetricsFollowEveryWANMemberAndPriority() throws {
        let (f, _, ifs) = try setup()
        let m = try f.package("mwan3")
        let metric = { (iface: String) in Int(m.section(named: InterfaceNaming.memberName(interface: iface))!["metric"]!)! }
        let wanMax = m.section(named: "balanced")!.list("use_member").compactMap { m.section(named: $0) }
            .filter { $0["managed_by"] == nil }.compactMap { Int($0["metric"] ?? "1") }.max()!
        #expect(metric(ifs["A"]!) > wanMax)
        #expect(metric(ifs["B"]!) > metric(ifs["A"]!))
        #expect(m.sections.first { $0.type == "rule" }?.name?.hasPrefix("wu_") == true, "endpoint rules come first")
    }

    @Test func equalPrioritySharesLoadByWeight() throws {
        let f = try FixtureRoot()
        var r1 = Sample.request("p1", port: 51900, address: "10.200.1.2/32", priority: 60)
        r1.weight = 3
        let r2 = Sample.request("p2", port: 51901, address: "10.200.2.2/32", priority: 60)
        let (a, _) = try f.service.add(r1)
        let (b, _) = try f.service.add(r2)
        let model = Mwan3Model(try f.package("mwan3"))
        #expect(model.decide(internet, online: [a.interface, b.interface]) == .interfaces([a.interface, b.interface]))
    }
}
