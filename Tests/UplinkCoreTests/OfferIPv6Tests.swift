import Testing
import UCI
@testable import UplinkCore

/// A provider that carries IPv6: its offer says so, its grants hold an IPv6 /128 from a ULA
/// /64 of its own (derived from its node id), its server and firewall carry consumers' IPv6,
/// and a consumer accepts only a single usable IPv6 host address outside its own networks.
@Suite struct OfferIPv6Tests {
    static let key = try! WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
    static let header = GossipMessage.Header(peer: try! PeerID(validating: "sb-aa:bb:cc:dd:ee:ff"), meshKey: key, seq: 7, timestamp: 1_800_000_000)

    @Test func theOfferAndTheGrantCarryIPv6() throws {
        var offer = GossipMessage.OfferMessage(header: Self.header, ttl: 60, bandwidthMbps: 100, latencyMs: nil, wanType: "fiber",
                                               available: true, metered: false, endpointHost: nil, endpointPort: 51900, publicKey: Self.key)
        offer.ipv6 = true
        #expect(try GossipMessage.decode(GossipMessage.offer(offer).encode()) == .offer(offer))
        var grant = GossipMessage.GrantMessage(header: Self.header, nonce: "00ff", publicKey: Self.key, address: IPPrefix("100.98.236.2/32")!,
                                               gateway: IPAddress("100.98.236.1")!, dns: [], mtu: 1420)
        grant.address6 = IPPrefix("fd12:3456:789a::2/128")
        let bytes = GossipMessage.grant(grant).encode()
        #expect(try GossipMessage.decode(bytes) == .grant(grant))
        // an older provider's grant has no address6, an IPv4-only offer no ipv6 key
        grant.address6 = nil
        #expect(!String(decoding: GossipMessage.grant(grant).encode(), as: UTF8.self).contains("address6"))
        offer.ipv6 = false
        #expect(!String(decoding: GossipMessage.offer(offer).encode(), as: UTF8.self).contains("ipv6"))
    }

    @Test(arguments: ["\"10.0.0.2/32\"", "\"garbage\"", "7", "\"fd00::2/128\\u0000\""])
    func aGrantWithABadIPv6AddressIsMalformed(_ value: String) throws {
        let g = GossipMessage.GrantMessage(header: Self.header, nonce: "00ff", publicKey: Self.key, address: IPPrefix("100.98.236.2/32")!,
                                           gateway: IPAddress("100.98.236.1")!, dns: [], mtu: 1420)
        var text = String(decoding: GossipMessage.grant(g).encode(), as: UTF8.self)
        text.removeLast()
        text += ",\"address6\":\(value)}"
        #expect(throws: GossipMessage.DecodeError.badField) { try GossipMessage.decode(Array(text.utf8)) }
    }

    @Test func anOfferCannotNameOneOfTheReceiversLinks() throws {
        let offer = GossipMessage.OfferMessage(header: Self.header, ttl: 60, bandwidthMbps: nil, latencyMs: nil, wanType: nil, available: true,
                                               metered: false, endpointHost: "fe80::1%wan", endpointPort: 51900, publicKey: Self.key)
        #expect(throws: GossipMessage.DecodeError.badField) { try GossipMessage.decode(GossipMessage.offer(offer).encode()) }
    }

    @Test func eachProviderHasItsOwnULAPoolAndAConsumersNumberIsItsIPv4Ones() {
        let a = OfferConfig(nodeID: "A"), b = OfferConfig(nodeID: "B")
        #expect(a.pool6 != b.pool6 && a.pool6.length == 64)
        guard case .v6(let bytes) = a.pool6.address else { Issue.record("not IPv6"); return }
        #expect(bytes[0] == 0xFD && bytes[6...].allSatisfy { $0 == 0 }, "a ULA /64, subnet 0")
        #expect(a.serverAddress6.description == a.pool6.address.description + "1", "the server is ::1 of the pool")
        guard case .v4(let net) = a.pool.address else { Issue.record("not IPv4"); return }
        let consumer = IPAddress.v4(net + 23)
        #expect(a.address6(for: consumer)?.description.hasSuffix("::17") == true, "host 23 → ::17")
        #expect(a.address6(for: IPAddress("192.0.2.5")!) == nil, "an address outside the pool has none")
    }

    @Test func aConsumerAcceptsOnlyOneUsableIPv6HostOutsideItsNetworks() {
        let local = [IPPrefix("fd00:50::/64")!, IPPrefix("192.168.1.0/24")!]
        #expect(GrantCheck.problem(address6: IPPrefix("fd12:3456:789a::2/128")!, local: local) == nil)
        #expect(GrantCheck.problem(address6: IPPrefix("fd12:3456:789a::/64")!, local: local)?.contains("a network") == true)
        #expect(GrantCheck.problem(address6: IPPrefix("10.0.0.2/32")!, local: local)?.contains("an IPv4 address") == true)
        // a public address would make a public host (here a default track target) local to this router
        #expect(GrantCheck.problem(address6: IPPrefix("2606:4700:4700::1111/128")!, local: local)?.contains("unique local") == true)
        #expect(GrantCheck.problem(address6: IPPrefix("fe80::2/128")!, local: local)?.contains("link-local") == true)
        #expect(GrantCheck.problem(address6: IPPrefix("ff02::2/128")!, local: local)?.contains("multicast") == true)
        #expect(GrantCheck.problem(address6: IPPrefix("fd00:50::99/128")!, local: local)?.contains("shadow") == true)
    }

    static func provider(ipv6: Bool) throws -> UplinkConfiguration {
        var s = Settings()
        s.ipv6 = ipv6
        s.nodeID = "A"
        var o = OfferConfig(nodeID: "A")
        o.enabled = true
        o.privateKey = Self.key
        guard case .v4(let net) = o.pool.address else { throw UplinkError(.internalError, "pool") }
        let g = GrantConfig(consumer: try PeerID(validating: "C"), publicKey: Self.key, meshKey: Self.key, address: .v4(net + 2))
        return UplinkConfiguration(settings: s, uplinks: [], offer: o, grants: [g])
    }

    @Test func theServerCarriesConsumersIPv6OnBothBackends() throws {
        let cfg = try Self.provider(ipv6: true)
        let o = cfg.offer
        let c6 = o.address6(for: cfg.grants[0].address)!
        // OpenWrt: the server interface's addresses, the consumer peer's allowed IPs, NAT66 out of the WAN zone
        let network = try UCIDocument(text: "config interface 'wan'\n\toption device 'eth1'\n\toption proto 'dhcp'\n").package
        let firewall = try UCIDocument(text: "config zone\n\toption name 'wan'\n\tlist network 'wan'\n\toption masq '1'\n").package
        let plan = try Planner.plan(PlanInput(configuration: cfg, network: network, firewall: firewall))
        let server = plan.network.sections.map(\.section).first { $0.name == OfferConfig.serverDevice }!
        #expect(server.list("addresses") == [o.serverAddress.description + "/\(o.pool.length)", o.serverAddress6.description + "/64"])
        let peer = plan.network.sections.map(\.section).first { $0.type == "wireguard_wu_server" }!
        #expect(peer.list("allowed_ips") == ["\(cfg.grants[0].address)/32", "\(c6)/128"])
        let nat = try #require(plan.firewall?.sections.map(\.section).first { $0.type == "nat" })
        #expect(nat["family"] == "ipv6" && nat["src"] == "wan" && nat["src_ip"] == o.pool6.description && nat["target"] == "MASQUERADE")
        // Linux: the server's IPv6 address and each consumer's /128
        let linux = try #require(LinuxPlan(configuration: cfg).server)
        #expect(linux.address6 == IPPrefix(address: o.serverAddress6, length: 64) && linux.consumers[0].address6 == c6)
        // without option ipv6, nothing of it
        let v4 = try Self.provider(ipv6: false)
        let plan4 = try Planner.plan(PlanInput(configuration: v4, network: network, firewall: firewall))
        #expect(plan4.network.sections.map(\.section).first { $0.name == OfferConfig.serverDevice }!.list("addresses").count == 1)
        #expect(plan4.firewall?.sections.contains { $0.section.type == "nat" } == false)
        #expect(LinuxPlan(configuration: v4).server?.address6 == nil)
    }
}
