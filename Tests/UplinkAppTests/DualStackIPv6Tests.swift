import Testing
import UCI
import UplinkApp
import UplinkCore
import UplinkSystem

/// IPv6 uplinks on the fixture router (dual-stack WAN, mwan3's stock config) with option
/// ipv6 '1': an uplink granted an IPv6 address gets an IPv6 side `w6_…` in network, mwan3
/// and firewall; removing the uplink gives every shared file back byte for byte.
@Suite struct DualStackIPv6Tests {
    static let ipv6Targets = ["2606:4700:4700::1111", "2620:fe::fe"]

    /// The fixture router with option ipv6 '1' and IPv6 track targets after the IPv4 ones;
    /// `mwan3Edit` then changes its mwan3 config.
    func router(mwan3Edit: (UCIPackage, inout UCIChangeSet) -> Void = { _, _ in }) throws -> FixtureRoot {
        let f = try FixtureRoot()
        try edit(f, "wireguard-uplink") { pkg, c in
            let s = pkg.index(ofSectionNamed: Settings.sectionName)!
            c.setOption(section: s, name: "ipv6", value: "1")
            for t in Self.ipv6Targets { c.addListValue(section: s, name: "track_ip", value: t) }
        }
        try edit(f, "mwan3", mwan3Edit)
        return f
    }

    func edit(_ f: FixtureRoot, _ pkg: String, _ body: (UCIPackage, inout UCIChangeSet) -> Void) throws {
        let doc = try UCIDocument(bytes: f.bytes(pkg)!)
        var c = UCIChangeSet(doc)
        body(doc.package, &c)
        try Files.writeAtomically(f.config(pkg), try c.apply())
    }

    /// Turns on mwan3 interfaces the stock config ships disabled (wan6, wanb, wanb6).
    static func enabling(_ names: [String]) -> (UCIPackage, inout UCIChangeSet) -> Void {
        { pkg, c in for n in names { c.setOption(section: pkg.index(ofSectionNamed: n)!, name: "enabled", value: "1") } }
    }

    static func dualStack(_ peer: String, port: Int = 51900, index: Int = 1, priority: Int? = nil) -> AddRequest {
        var r = Sample.request(peer, port: port, address: "10.200.\(index).2/32", priority: priority)
        r.addresses.append(IPPrefix("2001:db8:200:\(index)::2/128")!)
        return r
    }

    func shared(_ f: FixtureRoot) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for p in ["network", "mwan3", "firewall"] { out[p] = f.bytes(p) }
        return out
    }

    @Test func addWritesTheIPv6SideExactly() throws {
        let f = try router()
        let (u, o) = try f.service.add(Self.dualStack("nodeA"))
        #expect(o.written == ["wireguard-uplink", "network", "mwan3", "firewall"])
        let wu = u.interface
        let w6 = InterfaceNaming.ipv6InterfaceName(interface: wu)
        #expect(w6 == "w6_" + wu.dropFirst(3))
        #expect(f.text("network").contains("""

            config interface '\(w6)'
            \toption proto 'static'
            \toption device '@\(wu)'
            \tlist ip6addr '2001:db8:200:1::2/128'
            \toption managed_by 'wireguard-uplink'

            """))
        // the WireGuard interface keeps only its IPv4 address; its peer routes ::/0 (on the wg device)
        let net = try f.package("network")
        #expect(net.section(named: wu)!.list("addresses") == ["10.200.1.2/32"])
        #expect(net.section(named: wu + "_peer")!.list("allowed_ips") == ["0.0.0.0/0", "::/0"])
        #expect(f.text("mwan3").contains("""

            config interface '\(w6)'
            \toption enabled '1'
            \toption family 'ipv6'
            \toption initial_state 'offline'
            \toption track_method 'ping'
            \tlist track_ip '2606:4700:4700::1111'
            \tlist track_ip '2620:fe::fe'
            \toption reliability '1'
            \toption count '1'
            \toption size '56'
            \toption max_ttl '60'
            \toption timeout '2'
            \toption interval '30'
            \toption failure_interval '5'
            \toption recovery_interval '1'
            \toption down '3'
            \toption up '2'
            \toption managed_by 'wireguard-uplink'

            """))
        // highest IPv6 WAN member metric in 'balanced' (wan6_m1_w3, wanb6_m1_w3: 1) + rank 1
        #expect(f.text("mwan3").contains("""

            config member '\(w6)_m'
            \toption interface '\(w6)'
            \toption metric '2'
            \toption weight '1'
            \toption managed_by 'wireguard-uplink'

            """))
        let m = try f.package("mwan3")
        #expect(m.section(named: "balanced")!.list("use_member")
            == ["wan_m1_w3", "wanb_m1_w3", "wan6_m1_w3", "wanb6_m1_w3", wu + "_m", w6 + "_m"])
        // the IPv4 interface tracks exactly the IPv4 targets it tracked before
        #expect(m.section(named: wu)!["family"] == "ipv4")
        #expect(m.section(named: wu)!.list("track_ip") == ["1.1.1.1", "9.9.9.9"])
        let zone = try f.package("firewall").sections.first { $0["name"] == Planner.firewallZone }!
        #expect(zone.list("network") == [wu, w6])
        #expect(zone["masq"] == "1" && zone["masq6"] == "1")
        #expect(o.plan.policy6 == "balanced")
        #expect(o.plan.uplinks.first?.ipv6Interface == w6 && o.plan.uplinks.first?.memberMetric6 == 2)
    }

    @Test func addThenRemoveLeavesSharedFilesByteIdentical() throws {
        let f = try router()
        let (u, _) = try f.service.add(Self.dualStack("nodeA"))
        #expect(f.text("network").contains(InterfaceNaming.ipv6InterfaceName(interface: u.interface)))
        _ = try f.service.remove(u.peer)
        for p in ["network", "mwan3", "firewall", "wireless"] {
            #expect(f.bytes(p) == f.original(p), "\(p) differs after add+remove")
        }
    }

    @Test func dualStackAndIPv4OnlyUplinksAddedAndRemovedInAnyOrder() throws {
        let f = try router(mwan3Edit: Self.enabling(["wan6", "wanb", "wanb6"]))
        let before = shared(f)
        let requests = [Self.dualStack("sb-aa:bb:cc:dd:ee:01", port: 51900, index: 1, priority: 80),
                        Sample.request("barn", port: 51901, address: "10.200.2.2/32", priority: 60),
                        Self.dualStack("flat.3", port: 51902, index: 3, priority: 40)]
        for r in requests { _ = try f.service.add(r) }
        let m = try f.package("mwan3")
        #expect(m.sections.filter { $0["family"] == "ipv6" && $0["managed_by"] != nil }.count == 2, "barn has no IPv6 address")
        for p in ["flat.3", "sb-aa:bb:cc:dd:ee:01", "barn"] { _ = try f.service.remove(try PeerID(validating: p)) }
        #expect(shared(f) == before)
    }

    @Test func applyTwiceWritesNothingTheSecondTime() throws {
        let f = try router()
        _ = try f.service.add(Self.dualStack("nodeA"))
        _ = try f.service.add(Self.dualStack("nodeB", port: 51901, index: 2, priority: 70))
        #expect(try f.service.apply().written.isEmpty)
        let before = f.snapshot()
        let second = try f.service.apply()
        #expect(second.written.isEmpty)
        #expect(second.reload == nil)
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
    }

    @Test func aSeparateIPv6PolicyGetsTheIPv6Member() throws {
        // the user's IPv6 default traffic goes to 'wanb_wan' (wan6_m2_w3 metric 2, wanb6_m1_w2 metric 1)
        let f = try router { pkg, c in
            c.setOption(section: pkg.index(ofSectionNamed: "default_rule_v6")!, name: "use_policy", value: "wanb_wan")
        }
        let before = shared(f)
        let (u, o) = try f.service.add(Self.dualStack("nodeA"))
        let w6 = InterfaceNaming.ipv6InterfaceName(interface: u.interface)
        let m = try f.package("mwan3")
        #expect(m.section(named: "balanced")!.list("use_member") == ["wan_m1_w3", "wanb_m1_w3", "wan6_m1_w3", "wanb6_m1_w3", u.interface + "_m"])
        #expect(m.section(named: "wanb_wan")!.list("use_member") == ["wan_m2_w3", "wanb_m1_w2", "wan6_m2_w3", "wanb6_m1_w2", w6 + "_m"])
        #expect(m.section(named: w6 + "_m")!["metric"] == "3")
        #expect(m.section(named: u.interface + "_m")!["metric"] == "2")
        #expect(o.plan.policy == "balanced" && o.plan.policy6 == "wanb_wan")
        _ = try f.service.remove(u.peer)
        #expect(shared(f) == before)
    }

    @Test func noIPv6DefaultRuleWarnsAndPlansNoIPv6Mwan3Sections() throws {
        let f = try router { pkg, c in c.deleteSection(pkg.index(ofSectionNamed: "default_rule_v6")!) }
        let before = shared(f)
        let (u, o) = try f.service.add(Self.dualStack("nodeA"))
        #expect(o.plan.warnings.contains { $0.contains("no rule for IPv6 default traffic") && $0.contains("default_rule_v6") })
        let m = try f.package("mwan3")
        #expect(!m.sections.contains { $0.name?.hasPrefix(InterfaceNaming.ipv6Prefix) == true })
        #expect(m.section(named: "balanced")!.list("use_member").last == u.interface + "_m")
        #expect(o.plan.policy6 == nil && o.plan.tracking6 == nil)
        _ = try f.service.remove(u.peer)
        #expect(shared(f) == before)
    }

    @Test func turningIPv6OffRemovesTheIPv6Side() throws {
        let f = try router()
        let (u, _) = try f.service.add(Self.dualStack("nodeA"))
        try edit(f, "wireguard-uplink") { pkg, c in c.setOption(section: pkg.index(ofSectionNamed: Settings.sectionName)!, name: "ipv6", value: "0") }
        #expect(try f.service.apply().written == ["network", "mwan3", "firewall"])
        for p in ["network", "mwan3", "firewall"] {
            #expect(!f.text(p).contains(InterfaceNaming.ipv6InterfaceName(interface: u.interface)), "\(p) still has the IPv6 side")
        }
        #expect(try f.package("network").section(named: u.interface)!.list("addresses") == ["10.200.1.2/32", "2001:db8:200:1::2/128"])
        #expect(!f.text("firewall").contains("masq6"))
    }
}

/// mwan3's decision (`Mwan3Model`) over the generated config: IPv6 default traffic takes the
/// uplink's IPv6 side exactly when no IPv6 WAN is online; IPv4 never takes an IPv6 side.
@Suite struct Mwan3IPv6SemanticsTests {
    let internet6 = Mwan3Model.Packet(proto: "tcp", destination: IPAddress("2001:db8:ffff::80")!, destinationPort: 443)
    let internet4 = Mwan3Model.Packet(proto: "icmp", destination: IPAddress("198.51.100.7")!)

    @Test func ipv6GoesToTheIPv6SideOnlyWhileEveryIPv6WANIsOffline() throws {
        let t = DualStackIPv6Tests()
        let f = try t.router(mwan3Edit: DualStackIPv6Tests.enabling(["wan6", "wanb", "wanb6"]))
        let (u, _) = try f.service.add(DualStackIPv6Tests.dualStack("nodeA"))
        let wu = u.interface, w6 = InterfaceNaming.ipv6InterfaceName(interface: wu)
        let model = Mwan3Model(try f.package("mwan3"))
        for wans6 in [Set<String>(), ["wan6"], ["wanb6"], ["wan6", "wanb6"]] {
            for others in [Set<String>(), ["wan"], [wu], ["wan", "wanb", wu]] {
                let online = wans6.union(others).union([w6])
                let d = model.decide(internet6, online: online)
                if wans6.isEmpty {
                    #expect(d == .interfaces([w6]), "online \(online)")
                } else {
                    #expect(d == .interfaces(["wan6", "wanb6"].filter(wans6.contains)), "online \(online)")
                }
                #expect(model.decide(internet6, online: online.subtracting([w6])) != .interfaces([w6]))
            }
        }
        #expect(model.decide(internet6, online: ["wan6"]) == .interfaces(["wan6"]))
        #expect(model.decide(internet6, online: [w6]) == .interfaces([w6]))
    }

    @Test func ipv4NeverGoesToAnIPv6Side() throws {
        let t = DualStackIPv6Tests()
        let f = try t.router(mwan3Edit: DualStackIPv6Tests.enabling(["wan6", "wanb", "wanb6"]))
        let (a, _) = try f.service.add(DualStackIPv6Tests.dualStack("nodeA", priority: 80))
        let (b, _) = try f.service.add(DualStackIPv6Tests.dualStack("nodeB", port: 51901, index: 2, priority: 40))
        let model = Mwan3Model(try f.package("mwan3"))
        let sixes = [a, b].map { InterfaceNaming.ipv6InterfaceName(interface: $0.interface) }
        let everything = ["wan", "wanb", "wan6", "wanb6", a.interface, b.interface] + sixes
        // every subset of the interfaces online
        for bits in 0..<(1 << everything.count) {
            let online = Set(everything.indices.filter { bits & (1 << $0) != 0 }.map { everything[$0] })
            guard case .interfaces(let chosen) = model.decide(internet4, online: online) else { continue }
            #expect(!chosen.contains { sixes.contains($0) }, "IPv4 chose \(chosen) with \(online) online")
        }
        #expect(model.decide(internet4, online: Set(sixes)) == .unreachable)
    }
}
