import Testing
@testable import UplinkCore

/// The mesh protocol's codec and acceptance rules, without a network.
@Suite struct GossipTests {
    static let keyA = try! WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
    static let keyB = try! WireGuardKey(base64: "u5Q0s8Ff3nZr0JXo1rJmXq5y2b1Wc7h0qA9Ld3eVt1E=")
    static let server = try! WireGuardKey(base64: "kDNdWYEuTZY7QGkq6oMysmSz9kbN7f5gA+3hWvJxQGs=")
    let now = 1_800_000_000.0

    var peers: [MeshPeer] {
        [MeshPeer(interface: "wg_mesh", publicKey: Self.keyA.base64, allowedIPs: [IPPrefix("10.255.0.1/32")!], endpoint: "169.254.10.2:51820"),
         MeshPeer(interface: "wg_mesh", publicKey: Self.keyB.base64, allowedIPs: [IPPrefix("10.255.0.2/32")!, IPPrefix("10.30.0.0/24")!])]
    }

    func offer(_ peer: String = "A", key: WireGuardKey = keyA, seq: UInt64 = 10, age: Double = 0, available: Bool = true) -> [UInt8] {
        GossipMessage.offer(GossipMessage.OfferMessage(
            header: GossipMessage.Header(peer: try! PeerID(validating: peer), meshKey: key, seq: seq, timestamp: now - age),
            ttl: 60, bandwidthMbps: 100, latencyMs: 12.5, wanType: "fiber", available: available, metered: false,
            endpointHost: nil, endpointPort: 51900, publicKey: Self.server)).encode()
    }

    func reason(_ r: Result<GossipValidator.Accepted, GossipValidator.RejectionError>) -> String {
        switch r {
        case .success: return "accepted"
        case .failure(let e): return e.reason.rawValue
        }
    }

    @Test func everyMessageRoundTripsWithinTheSizeLimit() throws {
        let h = GossipMessage.Header(peer: try PeerID(validating: "sb-aa:bb:cc:dd:ee:ff"), meshKey: Self.keyA, seq: 1_795_000_000_123_456, timestamp: now)
        let msgs: [GossipMessage] = [
            try GossipMessage.decode(offer()),
            .withdraw(h),
            .request(GossipMessage.RequestMessage(header: h, publicKey: Self.keyB, nonce: "0123456789abcdef")),
            .grant(GossipMessage.GrantMessage(header: h, nonce: "0123456789abcdef", publicKey: Self.server,
                                              address: IPPrefix("100.98.236.2/32")!, gateway: IPAddress("100.98.236.1")!,
                                              dns: [IPAddress("9.9.9.9")!], mtu: 1420)),
            .revoke(GossipMessage.RevokeMessage(header: h, publicKey: Self.keyB)),
        ]
        for m in msgs {
            let bytes = m.encode()
            #expect(bytes.count <= GossipMessage.maximumSize)
            #expect(try GossipMessage.decode(bytes) == m)
        }
    }

    /// The seeds' hub-and-spoke mesh: the hub's peer entry owns a /16 summary, a spoke's a /32
    /// inside it. WireGuard routes by longest prefix, so a datagram from the spoke's address is
    /// the spoke's: it can never pass as the hub's, and the hub cannot speak from it either.
    @Test func senderIsAttributedByLongestPrefixAsWireGuardRoutes() {
        let hubKey = Self.keyA, spokeKey = Self.keyB
        let mesh = [MeshPeer(interface: "wg_mesh", publicKey: hubKey.base64, allowedIPs: [IPPrefix("10.8.0.0/16")!]),
                    MeshPeer(interface: "wg_mesh", publicKey: spokeKey.base64, allowedIPs: [IPPrefix("10.8.3.7/32")!]),
                    MeshPeer(interface: "wg_other", publicKey: Self.server.base64, allowedIPs: [IPPrefix("10.8.5.0/24")!])]
        #expect(GossipValidator.owner(of: IPAddress("10.8.3.7")!, on: "wg_mesh", among: mesh)?.publicKey == spokeKey.base64)
        #expect(GossipValidator.owner(of: IPAddress("10.8.9.1")!, on: "wg_mesh", among: mesh)?.publicKey == hubKey.base64)
        #expect(GossipValidator.owner(of: IPAddress("10.8.5.1")!, on: "wg_mesh", among: mesh)?.publicKey == hubKey.base64, "another interface's peers do not count")
        #expect(GossipValidator.owner(of: IPAddress("10.9.0.1")!, on: "wg_mesh", among: mesh) == nil)
        var v = GossipValidator(meshPeers: mesh, trust: TrustPolicy())
        // the spoke, from its own /32, claiming the hub's key (the message is signed by nothing
        // but the route it came in on): rejected; the hub from inside its /16: accepted
        #expect(reason(v.accept(offer("hub", key: hubKey), interface: "wg_mesh", source: IPAddress("10.8.3.7")!, now: now)) == "source")
        #expect(reason(v.accept(offer("hub", key: hubKey, seq: 11), interface: "wg_mesh", source: IPAddress("10.8.0.1")!, now: now)) == "accepted")
        #expect(reason(v.accept(offer("spoke", key: spokeKey), interface: "wg_mesh", source: IPAddress("10.8.3.7")!, now: now)) == "accepted")
        #expect(reason(v.accept(offer("spoke", key: spokeKey, seq: 11), interface: "wg_mesh", source: IPAddress("10.8.0.9")!, now: now)) == "source")
    }

    @Test func aGenuineOfferIsAcceptedOnce() {
        var v = GossipValidator(meshPeers: peers, trust: TrustPolicy())
        let r = v.accept(offer(), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now)
        #expect(reason(r) == "accepted")
        if case .success(let a) = r { #expect(a.trusted) }
        #expect(reason(v.accept(offer(), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now)) == "replay")
        #expect(reason(v.accept(offer(seq: 11), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now)) == "accepted")
    }

    @Test(arguments: [
        // (description, peer id, key, source, interface, seq, age, expected)
        ("offer for A sent from B's address", "A", "A", "10.255.0.2", "wg_mesh", 20, 0.0, "source"),
        ("offer for A from B's routed subnet", "A", "A", "10.30.0.9", "wg_mesh", 20, 0.0, "source"),
        ("B claiming to be A with its own key", "A", "B", "10.255.0.2", "wg_mesh", 20, 0.0, "conflict"),
        ("stale", "A", "A", "10.255.0.1", "wg_mesh", 20, 3600.0, "stale"),
        ("from the future", "A", "A", "10.255.0.1", "wg_mesh", 20, -600.0, "future"),
        ("not a mesh interface", "A", "A", "10.255.0.1", "lan", 20, 0.0, "not_mesh"),
        ("replay of an older seq", "A", "A", "10.255.0.1", "wg_mesh", 5, 0.0, "replay"),
        ("a key that is no peer of the mesh interface", "A", "X", "10.255.0.1", "wg_mesh", 20, 0.0, "unknown_key"),
    ])
    func hostileOffersAreRejectedByReason(_ what: String, peer: String, key: String, source: String, iface: String,
                                          seq: Int, age: Double, expected: String) {
        var v = GossipValidator(meshPeers: peers, trust: TrustPolicy())
        #expect(reason(v.accept(offer(seq: 10), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now)) == "accepted")
        let k = key == "A" ? Self.keyA : key == "B" ? Self.keyB : Self.server
        #expect(reason(v.accept(offer(peer, key: k, seq: UInt64(seq), age: age), interface: iface, source: IPAddress(source)!, now: now)) == expected, "\(what)")
        // A's binding and seq are untouched
        #expect(v.bindings[Self.keyA.base64] == "A")
        #expect(v.lastSeq[Self.keyA.base64] == 10)
    }

    @Test func garbageIsMalformedOrOversize() {
        var v = GossipValidator(meshPeers: peers, trust: TrustPolicy())
        let src = IPAddress("10.255.0.1")!
        var rng: UInt64 = 42
        for n in [0, 1, 7, 200, 1199] {
            let bytes = (0..<n).map { _ -> UInt8 in rng = rng &* 6364136223846793005 &+ 1; return UInt8(rng >> 56) }
            #expect(reason(v.accept(bytes, interface: "wg_mesh", source: src, now: now)) == "malformed")
        }
        #expect(reason(v.accept([UInt8](repeating: 0x41, count: 65536), interface: "wg_mesh", source: src, now: now)) == "oversize")
        let wrongVersion = Array(String(decoding: offer(), as: UTF8.self).replacing("\"v\":1", with: "\"v\":2").utf8)
        #expect(reason(v.accept(wrongVersion, interface: "wg_mesh", source: src, now: now)) == "malformed")
    }

    @Test func untrustedOffersAreMarkedAndRateIsLimited() {
        var v = GossipValidator(meshPeers: peers, trust: TrustPolicy(keys: [Self.keyB.base64]))
        if case .success(let a) = v.accept(offer(), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now) {
            #expect(!a.trusted)
        } else {
            Issue.record("an untrusted but genuine offer is kept (listed as untrusted)")
        }
        var limited = 0
        for i in 0..<1000 {
            if reason(v.accept(offer(seq: UInt64(100 + i)), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now + Double(i) / 1000)) == "rate" {
                limited += 1
            }
        }
        #expect(limited > 900, "1000 messages in a second from one sender: at most ~21 pass")
    }

    @Test func ownMessagesComingBackAreIgnored() {
        var v = GossipValidator(meshPeers: peers, trust: TrustPolicy(), ownKeys: [Self.server.base64])
        let mine = offer("C", key: Self.server)
        #expect(reason(v.accept(mine, interface: "wg_mesh", source: IPAddress("10.255.0.3")!, now: now)) == "self")
    }
}
