import UCI

/// fw4 sections: the uplinks' zone and the uplink server's zone.
extension Planner {
    public static let firewallZone = "wguplink"
    public static let serverZone = "wguserve"

    /// The zones that carry traffic to a WAN: named `wan`, or holding a WAN interface.
    static func wanZones(_ fw: UCIPackage, wanInterfaces: Set<String>) -> Set<String> {
        Set(fw.sections.filter { $0.type == "zone" && !Ownership.isOwned($0) }
            .filter { z in z["name"] == "wan" || z.list("network").contains(where: { wanInterfaces.contains($0) }) }
            .compactMap { $0["name"] })
    }

    /// A zone for the uplinks (masquerading, no input) and a forwarding from every zone that
    /// forwards to the WAN zone. `networks` are the uplinks' netifd interfaces, the IPv6 sides
    /// (`w6_…`) included; with an IPv6 side the zone also masquerades IPv6 (`masq6`: the
    /// provider routes only the address it granted, so LAN clients' addresses are rewritten to it).
    static func firewallSections(networks: [String], masq6: Bool, firewall: UCIPackage, wanInterfaces: Set<String>) -> [DesiredSection] {
        guard !networks.isEmpty else { return [] }
        let wanZones = wanZones(firewall, wanInterfaces: wanInterfaces)
        var sources: [String] = []
        for f in firewall.sections where f.type == "forwarding" && !Ownership.isOwned(f) {
            if let d = f["dest"], wanZones.contains(d), let src = f["src"], !sources.contains(src) { sources.append(src) }
        }
        var zone: [UCIOption] = [
            UCIOption("name", firewallZone),
            UCIOption("network", list: networks),
            UCIOption("input", "REJECT"),
            UCIOption("output", "ACCEPT"),
            UCIOption("forward", "REJECT"),
            UCIOption("masq", "1"),
        ]
        if masq6 { zone.append(UCIOption("masq6", "1")) }
        zone += [UCIOption("mtu_fix", "1"), Ownership.marker]
        var result = [DesiredSection(UCISection(type: "zone", name: "wgu_zone", options: zone), .end)]
        for src in sources {
            let safe = String(src.unicodeScalars.map { ($0.properties.isAlphabetic || ("0"..."9").contains($0)) && $0.isASCII ? Character($0) : "_" })
            result.append(DesiredSection(UCISection(type: "forwarding", name: "wgu_fwd_\(safe)", options: [
                UCIOption("src", src),
                UCIOption("dest", firewallZone),
                Ownership.marker,
            ]), .end))
        }
        return result
    }

    /// fw4 for the server: consumers may only go out through the WAN zones (masquerading
    /// there already), reach no service of this router but ping.
    /// With `pool6` (option ipv6) consumers' IPv6 is masqueraded out of each WAN zone by a
    /// `config nat` of ours: fw4's zone `masq` covers IPv4 only, and the WAN zone is the user's.
    static func serverFirewallSections(_ fw: UCIPackage, wanInterfaces: Set<String>, pool6: IPPrefix? = nil) -> [DesiredSection] {
        var out = [DesiredSection(UCISection(type: "zone", name: "wgu_serve_zone", options: [
            UCIOption("name", serverZone),
            UCIOption("network", list: [OfferConfig.serverDevice]),
            UCIOption("input", "REJECT"),
            UCIOption("output", "ACCEPT"),
            UCIOption("forward", "REJECT"),
            Ownership.marker,
        ]), .end)]
        for z in wanZones(fw, wanInterfaces: wanInterfaces).sorted() {
            out.append(DesiredSection(UCISection(type: "forwarding", name: "wgu_serve_\(z)", options: [
                UCIOption("src", serverZone), UCIOption("dest", z), Ownership.marker,
            ]), .end))
            if let pool6 {
                out.append(DesiredSection(UCISection(type: "nat", name: "wgu_serve_nat6_\(z)", options: [
                    UCIOption("name", "wireguard-uplink-consumers-IPv6"), UCIOption("family", "ipv6"), UCIOption("src", z),
                    UCIOption("src_ip", pool6.description), UCIOption("target", "MASQUERADE"), Ownership.marker,
                ]), .end))
            }
        }
        out.append(DesiredSection(UCISection(type: "rule", name: "wgu_serve_ping", options: [
            UCIOption("name", "Allow-Ping-wireguard-uplink-consumers"),
            UCIOption("src", serverZone), UCIOption("proto", "icmp"), UCIOption("icmp_type", "echo-request"),
            UCIOption("family", "ipv4"), UCIOption("target", "ACCEPT"), Ownership.marker,
        ]), .end))
        return out
    }
}
