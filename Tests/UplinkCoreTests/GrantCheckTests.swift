import Testing
import UplinkCore

/// A provider's grant is checked before anything is installed: one host address that shadows
/// none of this router's networks, a gateway inside the tunnel, sane DNS servers and MTU.
@Suite struct GrantCheckTests {
    /// A stock OpenWrt gateway: LAN 192.168.8.1/24, WAN by DHCP, the mesh, loopback, an uplink.
    static let local = ["192.168.8.1/24", "100.70.3.14/22", "10.255.0.3/24", "127.0.0.1/8", "fd12:3456:789a::1/60",
                        "100.98.236.2/32"].map { IPPrefix($0)! }

    func problem(_ address: String, gateway: String = "100.98.17.1", dns: [String] = ["100.98.17.1"], mtu: Int = 1420) -> String? {
        GrantCheck.problem(address: IPPrefix(address)!, gateway: IPAddress(gateway)!, dns: dns.map { IPAddress($0)! }, mtu: mtu, local: Self.local)
    }

    @Test func aHostAddressOutsideEveryLocalNetworkIsAccepted() {
        #expect(problem("100.98.17.2/32") == nil)
        #expect(problem("fd00:99::2/128", gateway: "fd00:99::1", dns: ["fd00:99::1"]) == nil)
    }

    @Test(arguments: [
        ("a network that would swallow the LAN", "192.168.8.0/24", "100.98.17.1", ["9.9.9.9"], 1420, "a network"),
        ("a host inside the LAN", "192.168.8.77/32", "100.98.17.1", ["9.9.9.9"], 1420, "shadow"),
        ("a host inside the WAN's subnet", "100.70.1.9/32", "100.98.17.1", ["9.9.9.9"], 1420, "shadow"),
        ("another uplink's address", "100.98.236.2/32", "100.98.236.1", ["9.9.9.9"], 1420, "shadow"),
        ("inside the IPv6 LAN", "fd12:3456:789a:5::9/128", "fd00:99::1", ["fd00:99::1"], 1420, "shadow"),
        ("loopback", "127.0.0.9/32", "100.98.17.1", ["9.9.9.9"], 1420, "loopback"),
        ("multicast", "224.0.0.9/32", "100.98.17.1", ["9.9.9.9"], 1420, "multicast"),
        ("the unspecified address", "0.0.0.0/32", "100.98.17.1", ["9.9.9.9"], 1420, "unspecified"),
        ("a gateway on the LAN", "100.98.17.2/32", "192.168.8.1", ["9.9.9.9"], 1420, "not inside the tunnel"),
        ("a gateway equal to the address", "100.98.17.2/32", "100.98.17.2", ["9.9.9.9"], 1420, "gateway"),
        ("a gateway of the other family", "100.98.17.2/32", "fd00:99::1", ["9.9.9.9"], 1420, "family"),
        ("a broadcast DNS server", "100.98.17.2/32", "100.98.17.1", ["255.255.255.255"], 1420, "DNS server"),
        ("a loopback DNS server", "100.98.17.2/32", "100.98.17.1", ["127.0.0.1"], 1420, "DNS server"),
        ("this router's own LAN address as DNS server (dnsmasq would ask itself)", "100.98.17.2/32", "100.98.17.1", ["192.168.8.1"], 1420, "a network of this router"),
        ("too many DNS servers", "100.98.17.2/32", "100.98.17.1", ["9.9.9.9", "1.1.1.1", "8.8.8.8", "8.8.4.4"], 1420, "DNS servers"),
        ("an MTU below IPv6's minimum", "100.98.17.2/32", "100.98.17.1", ["9.9.9.9"], 576, "MTU"),
    ])
    func aGrantThatCouldHarmTheRouterIsRefused(_ what: String, address: String, gateway: String, dns: [String], mtu: Int, says: String) {
        let p = problem(address, gateway: gateway, dns: dns, mtu: mtu)
        #expect(p?.contains(says) == true, "\(what): \(p ?? "accepted")")
    }

    @Test func overlapIsSymmetric() {
        let lan = IPPrefix("192.168.8.0/24")!, host = IPPrefix("192.168.8.9/32")!, other = IPPrefix("192.168.9.0/24")!
        #expect(GrantCheck.overlaps(lan, host) && GrantCheck.overlaps(host, lan))
        #expect(!GrantCheck.overlaps(lan, other) && !GrantCheck.overlaps(IPPrefix("fd00::/8")!, lan))
    }
}
