import Testing
@testable import UplinkCore

/// The `unknown_key` rejection: a datagram on a mesh interface naming a key that is no peer of
/// that interface (counted as mesh_rejected_unknown_key by the mesh agent).
@Suite struct GossipUnknownKeyTests {
    static let keyA = try! WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
    static let keyB = try! WireGuardKey(base64: "u5Q0s8Ff3nZr0JXo1rJmXq5y2b1Wc7h0qA9Ld3eVt1E=")
    static let stranger = try! WireGuardKey(base64: "kDNdWYEuTZY7QGkq6oMysmSz9kbN7f5gA+3hWvJxQGs=")
    let now = 1_800_000_000.0

    /// A on wg_mesh, B only on a second mesh interface.
    static let peers = [
        MeshPeer(interface: "wg_mesh", publicKey: keyA.base64, allowedIPs: [IPPrefix("10.255.0.1/32")!]),
        MeshPeer(interface: "wg_mesh2", publicKey: keyB.base64, allowedIPs: [IPPrefix("10.254.0.2/32")!]),
    ]

    func header(_ peer: String, _ key: WireGuardKey, seq: UInt64 = 10) -> GossipMessage.Header {
        GossipMessage.Header(peer: try! PeerID(validating: peer), meshKey: key, seq: seq, timestamp: now)
    }

    func offer(_ peer: String, _ key: WireGuardKey, seq: UInt64 = 10) -> [UInt8] {
        GossipMessage.offer(GossipMessage.OfferMessage(
            header: header(peer, key, seq: seq), ttl: 60, bandwidthMbps: 100, latencyMs: 12.5, wanType: "fiber",
            available: true, metered: false, endpointHost: nil, endpointPort: 51900, publicKey: Self.stranger)).encode()
    }

    func reason(_ r: Result<GossipValidator.Accepted, GossipValidator.RejectionError>) -> String {
        switch r {
        case .success: return "accepted"
        case .failure(let e): return e.reason.rawValue
        }
    }

    @Test func theReasonIsNamedUnknownKey() {
        #expect(GossipValidator.Rejection.unknownKey.rawValue == "unknown_key")
    }

    @Test func aKeyThatIsNoPeerOfTheMeshInterfaceIsUnknown() {
        var v = GossipValidator(meshPeers: Self.peers, trust: TrustPolicy())
        // from an address no peer owns: the key is judged before the source
        #expect(reason(v.accept(offer("X", Self.stranger), interface: "wg_mesh", source: IPAddress("10.99.0.1")!, now: now)) == "unknown_key")
        // from A's own address, claiming another key: still the key
        #expect(reason(v.accept(offer("X", Self.stranger), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now)) == "unknown_key")
    }

    @Test func aPeerOfAnotherMeshInterfaceIsUnknownOnThisOne() {
        var v = GossipValidator(meshPeers: Self.peers, trust: TrustPolicy())
        #expect(reason(v.accept(offer("B", Self.keyB), interface: "wg_mesh", source: IPAddress("10.254.0.2")!, now: now)) == "unknown_key")
        #expect(reason(v.accept(offer("B", Self.keyB), interface: "wg_mesh2", source: IPAddress("10.254.0.2")!, now: now)) == "accepted")
    }

    @Test func onAnInterfaceWithoutMeshPeersItIsNotMeshAndOwnKeysAreSelf() {
        var v = GossipValidator(meshPeers: Self.peers, trust: TrustPolicy(), ownKeys: [Self.stranger.base64])
        #expect(reason(v.accept(offer("X", Self.stranger), interface: "lan", source: IPAddress("10.255.0.1")!, now: now)) == "self")
        #expect(reason(v.accept(offer("Y", Self.keyB), interface: "lan", source: IPAddress("10.254.0.2")!, now: now)) == "not_mesh")
        #expect(reason(v.accept(offer("X", Self.stranger), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now)) == "self",
                "our own message coming back is not an unknown key")
    }

    @Test func everyMessageKindWithAnUnknownKeyIsRejected() {
        var v = GossipValidator(meshPeers: Self.peers, trust: TrustPolicy())
        let h = header("X", Self.stranger)
        let messages: [GossipMessage] = [
            .withdraw(h),
            .request(GossipMessage.RequestMessage(header: h, publicKey: Self.keyB, nonce: "0123456789abcdef")),
            .revoke(GossipMessage.RevokeMessage(header: h, publicKey: Self.keyB)),
        ]
        for m in messages {
            #expect(reason(v.accept(m.encode(), interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: now)) == "unknown_key")
        }
    }

    /// A rejected datagram leaves no trace: no seq, no binding, no rate-limit tokens spent, so
    /// once the key becomes a peer its messages count from the first.
    @Test func anUnknownKeyLeavesNoState() {
        var v = GossipValidator(meshPeers: Self.peers, trust: TrustPolicy())
        for seq in 1...100 {
            #expect(reason(v.accept(offer("X", Self.stranger, seq: UInt64(seq)), interface: "wg_mesh",
                                    source: IPAddress("10.255.0.9")!, now: now)) == "unknown_key")
        }
        #expect(v.lastSeq.isEmpty && v.bindings.isEmpty)
        v.meshPeers.append(MeshPeer(interface: "wg_mesh", publicKey: Self.stranger.base64, allowedIPs: [IPPrefix("10.255.0.9/32")!]))
        #expect(reason(v.accept(offer("X", Self.stranger, seq: 1), interface: "wg_mesh", source: IPAddress("10.255.0.9")!, now: now)) == "accepted",
                "neither a replay nor rate limited")
        #expect(v.bindings[Self.stranger.base64] == "X")
    }
}
