import Testing
import UCI
@testable import UplinkCore

/// The planner's IPv6 side of an uplink (option ipv6 '1'), on a dual-stack router whose
/// mwan3 follows the stock layout: one interface per family and WAN, the default rules
/// `default_rule_v4` and `default_rule_v6`. Here the IPv6 WAN members' metrics (4) differ from
/// the IPv4 ones (1), so each family's member metric shows where it came from.
@Suite struct PlannerIPv6Tests {
    static let network = """
    config interface 'lan'
    \toption device 'br-lan'
    \toption proto 'static'
    \toption ipaddr '192.168.1.1'
    \toption netmask '255.255.255.0'
    \toption ip6assign '60'
    config interface 'wan'
    \toption device 'eth1'
    \toption proto 'dhcp'
    \toption metric '10'
    config interface 'wan6'
    \toption device 'eth1'
    \toption proto 'dhcpv6'
    \toption reqprefix 'auto'
    config interface 'mesh'
    \toption device 'phy1-mesh0'
    \toption proto 'static'
    \toption ipaddr '169.254.1.1'
    \toption netmask '255.255.255.252'
    """

    static let mwan3 = """
    config interface 'wan'
    \toption enabled '1'
    \toption family 'ipv4'
    \tlist track_ip '1.0.0.1'
    config interface 'wan6'
    \toption enabled '1'
    \toption family 'ipv6'
    \tlist track_ip '2606:4700:4700::1001'
    config member 'wan_m1_w3'
    \toption interface 'wan'
    \toption metric '1'
    \toption weight '3'
    config member 'wan6_m4_w3'
    \toption interface 'wan6'
    \toption metric '4'
    \toption weight '3'
    config member 'wan6_m6_w3'
    \toption interface 'wan6'
    \toption metric '6'
    \toption weight '3'
    config policy 'balanced'
    \tlist use_member 'wan_m1_w3'
    \tlist use_member 'wan6_m4_w3'
    config policy 'wan6_late'
    \tlist use_member 'wan6_m6_w3'
    config rule 'default_rule_v4'
    \toption dest_ip '0.0.0.0/0'
    \toption use_policy 'balanced'
    \toption family 'ipv4'
    config rule 'default_rule_v6'
    \toption dest_ip '::/0'
    \toption use_policy 'balanced'
    \toption family 'ipv6'
    """

    static let firewall = """
    config zone
    \toption name 'lan'
    \tlist network 'lan'
    config zone
    \toption name 'wan'
    \tlist network 'wan'
    \tlist network 'wan6'
    \toption masq '1'
    config forwarding
    \toption src 'lan'
    \toption dest 'wan'
    """

    static var ipv6On: Settings {
        var s = Settings()
        s.ipv6 = true
        return s
    }

    func uplink(_ peer: String, host: String = "169.254.1.2", addresses: [String] = ["10.200.1.2/32", "2001:db8:200:1::2/128"],
                priority: Int = 50, slot: Int = 1) throws -> UplinkConfig {
        let key = try WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
        let id = try PeerID(validating: peer)
        return UplinkConfig(peer: id, interface: InterfaceNaming.interfaceName(for: id), endpoint: Endpoint(host: host, port: 51900),
                            publicKey: key, privateKey: key, addresses: addresses.map { IPPrefix($0)! }, priority: priority, slot: slot)
    }

    func plan(_ uplinks: [UplinkConfig], settings: Settings = ipv6On, mwan3: String = mwan3) throws -> Plan {
        try Planner.plan(PlanInput(configuration: UplinkConfiguration(settings: settings, uplinks: uplinks),
                                   network: try UCIDocument(text: Self.network).package,
                                   mwan3: try UCIDocument(text: mwan3).package,
                                   firewall: try UCIDocument(text: Self.firewall).package))
    }

    func section(_ p: PackagePlan?, _ name: String) -> UCISection? {
        p?.sections.first { $0.section.name == name }?.section
    }

    @Test func ipv6SideSectionsExactly() throws {
        let u = try uplink("nodeA")
        let w6 = InterfaceNaming.ipv6InterfaceName(interface: u.interface)
        let p = try plan([u])
        #expect(section(p.network, w6) == UCISection(type: "interface", name: w6, options: [
            UCIOption("proto", "static"),
            UCIOption("device", "@" + u.interface),
            UCIOption("ip6addr", list: ["2001:db8:200:1::2/128"]),
            Ownership.marker,
        ]))
        #expect(section(p.network, u.interface)?.list("addresses") == ["10.200.1.2/32"])
        let t = Mwan3Tracking.uplinkFallback(targets: 2)
        #expect(section(p.mwan3, w6) == UCISection(type: "interface", name: w6, options: [
            UCIOption("enabled", "1"), UCIOption("family", "ipv6"), UCIOption("initial_state", "offline"),
        ] + t.options(trackIPs: ["2606:4700:4700::1111", "2620:fe::fe"]) + [Ownership.marker]))
        // after the highest IPv6 WAN member (wan6_m4_w3), not the IPv4 one
        #expect(section(p.mwan3, w6 + "_m") == UCISection(type: "member", name: w6 + "_m", options: [
            UCIOption("interface", w6), UCIOption("metric", "5"), UCIOption("weight", "1"), Ownership.marker,
        ]))
        #expect(section(p.mwan3, u.interface + "_m")?["metric"] == "2")
        #expect(p.mwan3?.memberships == [PolicyMembership(policy: "balanced", members: [u.interface + "_m", w6 + "_m"])])
        #expect(p.uplinks == [UplinkPlacement(peer: u.peer, interface: u.interface, routeMetric: 11, memberMetric: 2,
                                              ipv6Interface: w6, memberMetric6: 5)])
        let zone = section(p.firewall, "wgu_zone")
        #expect(zone?.list("network") == [u.interface, w6])
        #expect(zone?["masq6"] == "1")
    }

    /// The IPv4 side is what an IPv4-only uplink gets without option ipv6, except that the peer
    /// also routes ::/0 and the firewall zone holds the IPv6 side too.
    @Test func ipv4SectionsAreUnchangedApartFromTheIPv6Parts() throws {
        let dual = try plan([uplink("nodeA")])
        let v4only = try plan([uplink("nodeA", addresses: ["10.200.1.2/32"])], settings: Settings())
        let u = try uplink("nodeA")
        for (before, after) in [(v4only.network, dual.network), (v4only.mwan3!, dual.mwan3!)] {
            for s in before.sections {
                var expected = s.section
                if expected.type.hasPrefix("wireguard_") {
                    expected.options = expected.options.map { $0.name == "allowed_ips" ? UCIOption("allowed_ips", list: ["0.0.0.0/0", "::/0"]) : $0 }
                }
                #expect(after.sections.first { $0.section.name == expected.name } == DesiredSection(expected, s.placement), "\(expected.name ?? "?") changed")
            }
        }
        // only the IPv4 targets, the same two as before the IPv6 ones joined the default list
        #expect(section(dual.mwan3, u.interface)?.list("track_ip") == ["1.1.1.1", "9.9.9.9"])
        #expect(Settings().trackIPs.suffix(2) == ["2606:4700:4700::1111", "2620:fe::fe"])
        #expect(section(v4only.firewall, "wgu_zone")?["masq6"] == nil)
    }

    @Test func aSeparateIPv6PolicyGetsOnlyTheIPv6Member() throws {
        let u = try uplink("nodeA")
        let w6 = InterfaceNaming.ipv6InterfaceName(interface: u.interface)
        let mwan3 = Self.mwan3.replacing("\toption use_policy 'balanced'\n\toption family 'ipv6'", with: "\toption use_policy 'wan6_late'\n\toption family 'ipv6'")
        let p = try plan([u], mwan3: mwan3)
        #expect(p.policy == "balanced" && p.policy6 == "wan6_late")
        #expect(p.mwan3?.memberships == [PolicyMembership(policy: "balanced", members: [u.interface + "_m"]),
                                         PolicyMembership(policy: "wan6_late", members: [w6 + "_m"])])
        #expect(section(p.mwan3, w6 + "_m")?["metric"] == "7")

        // the reconciler puts each member in its own policy, after the user's members
        // (this compact file has no blank line between 'wan6_late' and the first rule, where the
        // endpoint rule goes: the member still lands in the policy)
        let doc = try UCIDocument(text: mwan3)
        let added = try UCIDocument(bytes: try Reconciler.changes(doc, plan: p.mwan3!).apply())
        #expect(added.package.section(named: "balanced")?.list("use_member") == ["wan_m1_w3", "wan6_m4_w3", u.interface + "_m"])
        #expect(added.package.section(named: "wan6_late")?.list("use_member") == ["wan6_m6_w3", w6 + "_m"])
        #expect(added.package.section(named: InterfaceNaming.endpointRuleName(interface: u.interface))?.has("use_member") == false)
        // and removing the uplink gives the file back byte for byte
        let none = try plan([], mwan3: mwan3)
        #expect(try Reconciler.changes(added, plan: none.mwan3!).apply() == doc.bytes)
    }

    @Test func noIPv6DefaultRuleWarnsAndPlansNoIPv6Mwan3Sections() throws {
        let u = try uplink("nodeA")
        let w6 = InterfaceNaming.ipv6InterfaceName(interface: u.interface)
        let start = Self.mwan3.firstRange(of: "config rule 'default_rule_v6'")!.lowerBound
        let p = try plan([u], mwan3: String(Self.mwan3[..<start]))
        #expect(p.warnings.contains { $0.contains("no rule for IPv6 default traffic") && $0.contains("option dest_ip '::/0'") })
        #expect(p.mwan3?.sections.contains { $0.section.name?.hasPrefix(InterfaceNaming.ipv6Prefix) == true } == false)
        #expect(p.mwan3?.memberships == [PolicyMembership(policy: "balanced", members: [u.interface + "_m"])])
        #expect(p.policy6 == nil && p.tracking6 == nil && p.uplinks.first?.memberMetric6 == nil)
        // the address still lives on the IPv6 side: IPv6 then follows the main table's routes
        #expect(section(p.network, w6) != nil)

        // an explicit mwan3_policy serves both families
        var s = Self.ipv6On
        s.mwan3Policy = "balanced"
        let q = try plan([u], settings: s, mwan3: String(Self.mwan3[..<start]))
        #expect(q.policy6 == "balanced" && section(q.mwan3, w6) != nil)
    }

    @Test func linkLocalEndpointWithItsLinkKeepsTheRuleAndNeedsNoRoute() throws {
        let u = try uplink("nodeA", host: "fe80::1%phy1-mesh0")
        let p = try plan([u])
        let rule = try #require(section(p.mwan3, InterfaceNaming.endpointRuleName(interface: u.interface)))
        #expect(rule["dest_ip"] == "fe80::1")
        #expect(rule["family"] == "ipv6")
        #expect(rule["dest_port"] == "51900" && rule["use_policy"] == "default")
        #expect(!p.warnings.contains { $0.contains("not on a directly connected") })
        // the peer's endpoint keeps its link: WireGuard needs it
        #expect(section(p.network, InterfaceNaming.peerSectionName(interface: u.interface))?["endpoint_host"] == "fe80::1%phy1-mesh0")
        // the rule sends the endpoint's UDP to the main table, not an uplink
        let packet = Mwan3Model.Packet(proto: "udp", destination: IPAddress("fe80::1")!, destinationPort: 51900)
        let model = Mwan3Model(try UCIDocument(bytes: try Reconciler.changes(try UCIDocument(text: Self.mwan3), plan: p.mwan3!).apply()).package)
        #expect(model.decide(packet, online: [InterfaceNaming.ipv6InterfaceName(interface: u.interface)]) == .mainTable)
    }

    @Test func ipv4OnlyUplinkWithIPv6OnIsNamedInAWarning() throws {
        let p = try plan([try uplink("nodeA"), try uplink("barn", addresses: ["10.200.2.2/32"], slot: 2)])
        #expect(p.warnings.contains { $0.contains("'barn'") && $0.contains("no IPv6 address") })
        #expect(p.uplinks.map(\.ipv6Interface).compactMap { $0 }.count == 1)
    }

    @Test func noIPv6TrackTargetMeansNoMwan3TrackerAndStartingOnline() throws {
        var s = Self.ipv6On
        s.trackIPs = ["1.1.1.1", "9.9.9.9"]
        let u = try uplink("nodeA")
        let w6 = InterfaceNaming.ipv6InterfaceName(interface: u.interface)
        let p = try plan([u], settings: s)
        #expect(section(p.mwan3, w6) == UCISection(type: "interface", name: w6, options: [
            UCIOption("enabled", "1"), UCIOption("family", "ipv6"), Ownership.marker,
        ]))
        #expect(p.tracking6 == nil)
        #expect(p.warnings.contains { $0.contains("no IPv6 address") && $0.contains("track_ip") })
    }

    @Test func ipv6OffPlansNoIPv6Side() throws {
        let u = try uplink("nodeA")
        let p = try plan([u], settings: Settings())
        #expect(!(p.network.sections + (p.mwan3?.sections ?? [])).contains { $0.section.name?.hasPrefix(InterfaceNaming.ipv6Prefix) == true })
        #expect(section(p.network, u.interface)?.list("addresses") == ["10.200.1.2/32", "2001:db8:200:1::2/128"])
        #expect(p.mwan3?.memberships.count == 1)
    }

    @Test func userSectionNamedLikeTheIPv6SideIsRefused() throws {
        let u = try uplink("nodeA")
        let w6 = InterfaceNaming.ipv6InterfaceName(interface: u.interface)
        let mwan3 = Self.mwan3 + "\nconfig member '\(w6)_m'\n\toption interface 'wan6'\n"
        #expect(throws: UplinkError.self) { _ = try plan([u], mwan3: mwan3) }
        #expect((try? plan([u], settings: Settings(), mwan3: mwan3)) != nil, "without option ipv6 the name is not ours")
    }
}
