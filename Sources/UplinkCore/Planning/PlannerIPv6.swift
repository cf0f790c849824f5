import UCI

/// An uplink's IPv6 side (option ipv6 '1' and an IPv6 address granted): a second netifd
/// interface on the WireGuard device holding the IPv6 address, because mwan3 tracks one
/// family per interface. Its default route is the WireGuard interface's own `::/0` (from
/// route_allowed_ips, with that interface's metric, on the same device: mwan3 copies main-table
/// routes into an interface's table by device), so it has no gateway of its own.
extension Planner {
    static func ipv6Addresses(_ u: UplinkConfig) -> [IPPrefix] { u.addresses.filter { !$0.address.isV4 } }

    static func hasIPv6Side(_ u: UplinkConfig, settings: Settings) -> Bool {
        // an adopted interface keeps its addresses where the administrator put them: IPv4 only
        settings.ipv6 && !u.adopted && !ipv6Addresses(u).isEmpty
    }

    /// `w6_…`: a static alias (`@wu_…`, following the WireGuard interface's device while it is up).
    static func ipv6NetworkSection(_ u: UplinkConfig) -> DesiredSection {
        DesiredSection(UCISection(type: "interface", name: InterfaceNaming.ipv6InterfaceName(interface: u.interface), options: [
            UCIOption("proto", "static"),
            UCIOption("device", "@" + u.interface),
            UCIOption("ip6addr", list: ipv6Addresses(u).map(\.description)),
            Ownership.marker,
        ]), .end)
    }

    /// With option ipv6 on, an uplink without an IPv6 address carries no IPv6.
    static func missingIPv6Warning(_ u: UplinkConfig) -> String {
        "uplink '\(u.peer)': option ipv6 is on, but the uplink has no IPv6 address, so it carries no IPv6; add the IPv6 address the provider granted (list address '…/128')"
    }
}
