import Testing
@testable import UplinkCore

/// Trust by default and on SecuBox: with no list, a mesh-sized peer is trusted and a peer that
/// routes a default route or more than a mesh never is; SecuBox's factory keys name node ids.
@Suite struct TrustTests {
    static let meshKey = try! WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
    static let vpnKey = try! WireGuardKey(base64: "u5Q0s8Ff3nZr0JXo1rJmXq5y2b1Wc7h0qA9Ld3eVt1E=")
    static let server = try! WireGuardKey(base64: "kDNdWYEuTZY7QGkq6oMysmSz9kbN7f5gA+3hWvJxQGs=")
    let now = 1_800_000_000.0

    func prefixes(_ p: String...) -> [IPPrefix] { p.map { IPPrefix($0)! } }

    @Test(arguments: [(["10.255.0.1/32"], true), (["10.255.0.2/32", "10.30.0.0/24"], true),
                      (["10.99.0.0/16"], true), (["fd00:1::/48"], true),
                      (["0.0.0.0/0"], false), (["0.0.0.0/0", "::/0"], false), (["0.0.0.0/1", "128.0.0.0/1"], false),
                      (["10.0.0.0/8"], false), (["10.255.0.1/32", "::/0"], false), ([], false)])
    func withNoListOnlyMeshSizedPeersAreTrusted(allowed: [String], trusted: Bool) throws {
        let ips = allowed.map { IPPrefix($0)! }
        #expect(TrustPolicy().trusts(peer: try PeerID(validating: "nodeA"), meshKey: Self.meshKey.base64, allowedIPs: ips) == trusted)
    }

    @Test func listedPeersAreTrustedWhateverTheyRoute() throws {
        let wide = prefixes("0.0.0.0/0")
        let byID = TrustPolicy(peers: ["nodeA"])
        #expect(byID.trusts(peer: try PeerID(validating: "nodeA"), meshKey: Self.vpnKey.base64, allowedIPs: wide))
        #expect(!byID.trusts(peer: try PeerID(validating: "nodeB"), meshKey: Self.meshKey.base64, allowedIPs: prefixes("10.255.0.2/32")),
                "a list narrows: an unlisted mesh peer is not trusted")
        let both = TrustPolicy(keys: [Self.meshKey.base64], peers: ["nodeA"])
        #expect(!both.trusts(peer: try PeerID(validating: "nodeA"), meshKey: Self.vpnKey.base64, allowedIPs: wide), "on every list there is")
    }

    /// The commercial VPN `wg0` of the issue: its peer owns 0.0.0.0/0, so any source on wg0
    /// is attributed to it; its offers are kept but never trusted.
    @Test func aVPNPeersOfferIsNeverTrustedByDefault() throws {
        let vpn = MeshPeer(interface: "wg0", publicKey: Self.vpnKey.base64, allowedIPs: prefixes("0.0.0.0/0", "::/0"))
        var v = GossipValidator(meshPeers: [vpn], trust: TrustPolicy())
        let offer = GossipMessage.offer(GossipMessage.OfferMessage(
            header: GossipMessage.Header(peer: try PeerID(validating: "nodeA"), meshKey: Self.vpnKey, seq: 1, timestamp: now),
            ttl: 60, bandwidthMbps: 100, latencyMs: 10, wanType: "fiber", available: true, metered: false,
            endpointHost: nil, endpointPort: 51900, publicKey: Self.server)).encode()
        guard case .success(let a) = v.accept(offer, interface: "wg0", source: IPAddress("203.0.113.9")!, now: now) else {
            Issue.record("a genuine datagram is accepted (and listed as untrusted)")
            return
        }
        #expect(!a.trusted)
    }

    @Test func secuboxFactoryKeysNameNodeIDs() {
        let hex = String(repeating: "3f", count: 32)
        let text = """
        secubox-factory-pub:0f1e2d3c4b5a69788796a5b4c3d2e1f0:\(hex)
        secubox-factory-pub:nodeB:\(hex)\r
        secubox-factory-pub:bad id:\(hex)
        secubox-factory-pub:nodeC:tooshort
        secubox-factory-pub:nodeD:\(hex):extra
        untrusted comment: signify public key
        RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3
        \(Self.meshKey.base64)
        """
        let found = TrustFile.parse(text)
        #expect(found.nodeIDs == ["0f1e2d3c4b5a69788796a5b4c3d2e1f0", "nodeB"])
        #expect(found.keys == [Self.meshKey.base64], "a signify key is not a WireGuard key")
        #expect(TrustFile.parse("").keys.isEmpty && TrustFile.parse("\u{0}\u{1}").nodeIDs.isEmpty)
    }
}
