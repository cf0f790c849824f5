import Testing
import UplinkCore
import UCI

/// dnsmasq's servers-file as the daemon writes it: silent on a WAN, the active uplink's DNS
/// for every domain while failed over.
@Suite struct DNSUpstreamsTests {
    static func uplink(dns: [String]) throws -> UplinkConfig {
        let key = try WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
        let peer = try PeerID(validating: "sb-provider-a")
        return UplinkConfig(peer: peer, interface: InterfaceNaming.interfaceName(for: peer), endpoint: Endpoint(host: "169.254.10.2", port: 51900),
                            publicKey: key, privateKey: key, addresses: [IPPrefix("10.200.1.2/32")!], slot: 1, dns: dns)
    }

    @Test func onAWANTheFileNamesNoServer() {
        let f = DNSUpstreams.serversFile(activeUplink: nil)
        #expect(f == DNSUpstreams.header && DNSUpstreams.servers(in: f).isEmpty)
        #expect(f.split(separator: "\n").allSatisfy { $0.hasPrefix("#") }, "only comments: dnsmasq keeps its resolv-file servers")
    }

    @Test func failedOverEveryDomainGoesToTheUplinksDNS() throws {
        let f = DNSUpstreams.serversFile(activeUplink: try Self.uplink(dns: ["10.200.1.1", "2001:db8::53"]))
        #expect(f.contains("server=/#/10.200.1.1\nserver=/#/2001:db8::53\n"))
        #expect(DNSUpstreams.servers(in: f) == ["10.200.1.1", "2001:db8::53"])
        #expect(f.contains("# failed over to uplink sb-provider-a"))
    }

    @Test func anUplinkWithoutDNSLeavesTheWANsResolvers() throws {
        // no DNS of its own: the WAN's resolvers stay, now reached through the uplink
        #expect(DNSUpstreams.servers(in: DNSUpstreams.serversFile(activeUplink: try Self.uplink(dns: []))).isEmpty)
    }

    @Test func nothingButAnAddressReachesTheFile() throws {
        // a hand-edited dns option with a newline or a domain cannot inject a dnsmasq directive
        let f = DNSUpstreams.serversFile(activeUplink: try Self.uplink(dns: ["10.0.0.1\naddress=/#/6.6.6.6", "dns.example", "10.0.0.2"]))
        #expect(DNSUpstreams.servers(in: f) == ["10.0.0.2"] && !f.contains("address="))
    }
}

/// On OpenWrt, status says when dnsmasq would not read the servers-file.
@Suite struct DNSReaderTests {
    static func dhcp(_ text: String) throws -> UCIPackage { try UCIDocument(text: text).package }

    @Test func statusSaysWhenDnsmasqDoesNotReadOurFile() throws {
        let ours = try Self.dhcp("config dnsmasq\n\toption domain 'lan'\n\toption serversfile '\(DNSUpstreams.path)'\n")
        #expect(DNSUpstreams.readerProblem(dhcp: ours, file: DNSUpstreams.path) == nil)
        let theirs = try Self.dhcp("config dnsmasq\n\toption domain 'lan'\n\toption serversfile '/etc/adblock.servers'\n")
        let why = try #require(DNSUpstreams.readerProblem(dhcp: theirs, file: DNSUpstreams.path))
        #expect(why.contains("/etc/adblock.servers") && why.contains("uci set dhcp.@dnsmasq[0].serversfile="))
        #expect(DNSUpstreams.readerProblem(dhcp: try Self.dhcp("config dnsmasq\n\toption domain 'lan'\n"), file: DNSUpstreams.path) != nil)
        // still the place older versions set (the first-boot script of this one moves it)
        let old = try Self.dhcp("config dnsmasq\n\toption serversfile '\(DNSUpstreams.legacyPath)'\n")
        let moved = try #require(DNSUpstreams.readerProblem(dhcp: old, file: DNSUpstreams.path))
        #expect(moved.contains(DNSUpstreams.legacyPath) && moved.contains("jailed") && moved.contains("serversfile='\(DNSUpstreams.path)'"))
        #expect(DNSUpstreams.readerProblem(dhcp: nil, file: DNSUpstreams.path) == nil, "no dhcp config: not OpenWrt, nothing to say")
        #expect(DNSUpstreams.readerProblem(dhcp: try Self.dhcp("config dhcp 'lan'\n\toption interface 'lan'\n"), file: DNSUpstreams.path) == nil,
                "no dnsmasq section: another resolver")
    }
}
