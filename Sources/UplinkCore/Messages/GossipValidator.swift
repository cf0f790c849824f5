/// Decides whether a datagram from the mesh counts. It must have arrived on a mesh
/// interface from an address inside the AllowedIPs of the mesh peer whose key it names,
/// that key must stay bound to the node id it was first seen with, the sender must be
/// trusted, its sequence number must be newer than the last one accepted from it, and its
/// clock must be close to ours. Everything else is dropped and counted by reason.
public struct MeshPeer: Equatable, Sendable {
    public var interface: String
    public var publicKey: String
    public var allowedIPs: [IPPrefix]
    /// The peer's current underlay endpoint (from `wg show`), for offers without a host.
    public var endpoint: String?

    public init(interface: String, publicKey: String, allowedIPs: [IPPrefix], endpoint: String? = nil) {
        self.interface = interface
        self.publicKey = publicKey
        self.allowedIPs = allowedIPs
        self.endpoint = endpoint
    }
}

/// Whose offers count. With a list (mesh keys from the trusted-peer directory, node ids from
/// SecuBox's factory keys or `list trusted_peer`), a sender is trusted when it is on every list
/// there is. With no list at all, any peer of the mesh interfaces is trusted except one that
/// routes more than a mesh: a peer whose AllowedIPs hold a default route or any prefix wider
/// than a mesh-sized one (IPv4 shorter than /16, IPv6 shorter than /48) is a VPN provider or
/// a full-tunnel hub, and can be the source of any address, so it is never an offer source
/// unless listed.
public struct TrustPolicy: Equatable, Sendable {
    /// Mesh public keys allowed; nil = no key list.
    public var keys: Set<String>?
    /// Node ids allowed; nil = no node id list.
    public var peers: Set<String>?

    public static let widestIPv4 = 16
    public static let widestIPv6 = 48

    public init(keys: Set<String>? = nil, peers: Set<String>? = nil) {
        self.keys = keys
        self.peers = peers
    }

    public func trusts(peer: PeerID, meshKey: String, allowedIPs: [IPPrefix]) -> Bool {
        if keys == nil && peers == nil { return Self.isMeshSized(allowedIPs) }
        if let keys, !keys.contains(meshKey) { return false }
        if let peers, !peers.contains(peer.rawValue) { return false }
        return true
    }

    /// Every allowed prefix is at most a mesh's size (and there is one).
    public static func isMeshSized(_ allowedIPs: [IPPrefix]) -> Bool {
        !allowedIPs.isEmpty && allowedIPs.allSatisfy { $0.length >= ($0.address.isV4 ? widestIPv4 : widestIPv6) }
    }
}

public struct GossipValidator: Sendable {
    public enum Rejection: String, Sendable, CaseIterable {
        case oversize, malformed, notMesh = "not_mesh", unknownKey = "unknown_key", source, untrusted, conflict,
             replay, stale, future, selfOrigin = "self", rate
    }

    /// Clock skew tolerated between mesh routers.
    public static let skew = 60.0
    /// Messages accepted per sender per second before the rest are dropped.
    public static let perSenderRate = 20.0

    public var meshPeers: [MeshPeer]
    public var trust: TrustPolicy
    public var ownKeys: Set<String>
    /// Last accepted seq per mesh key, and the node id bound to each mesh key.
    public var lastSeq: [String: UInt64]
    public var bindings: [String: String]
    private var buckets: [String: (tokens: Double, at: Double)] = [:]

    public init(meshPeers: [MeshPeer], trust: TrustPolicy, ownKeys: Set<String> = [], lastSeq: [String: UInt64] = [:],
                bindings: [String: String] = [:]) {
        self.meshPeers = meshPeers
        self.trust = trust
        self.ownKeys = ownKeys
        self.lastSeq = lastSeq
        self.bindings = bindings
    }

    /// A message that passed every check but trust: offers from untrusted peers are kept
    /// (listed as untrusted, never used); their requests get no grant.
    public struct Accepted: Sendable {
        public var message: GossipMessage
        public var peer: MeshPeer
        public var trusted: Bool
    }

    /// Validates one datagram. On acceptance the sender's seq and binding are recorded.
    public mutating func accept(_ bytes: [UInt8], interface: String, source: IPAddress, now: Double) -> Result<Accepted, RejectionError> {
        if bytes.count > GossipMessage.maximumSize { return .failure(RejectionError(.oversize)) }
        let message: GossipMessage
        do { message = try GossipMessage.decode(bytes) } catch {
            return .failure(RejectionError(error == .oversize ? .oversize : .malformed))
        }
        let h = message.header
        let key = h.meshKey.base64
        guard let peer = meshPeers.first(where: { $0.interface == interface && $0.publicKey == key }) else {
            if ownKeys.contains(key) { return .failure(RejectionError(.selfOrigin)) }
            return .failure(RejectionError(meshPeers.contains { $0.interface == interface } ? .unknownKey : .notMesh))
        }
        // the datagram came from whichever peer WireGuard routes its source to: it must be the key it claims
        guard Self.owner(of: source, on: interface, among: meshPeers)?.publicKey == key else { return .failure(RejectionError(.source)) }
        // rate limit per sender (token bucket), before any state changes
        var b = buckets[key] ?? (Self.perSenderRate, now)
        b.tokens = min(Self.perSenderRate, b.tokens + (now - b.at) * Self.perSenderRate)
        b.at = now
        guard b.tokens >= 1 else {
            buckets[key] = b
            return .failure(RejectionError(.rate))
        }
        b.tokens -= 1
        buckets[key] = b
        if buckets.count > 4096 { buckets = buckets.filter { now - $0.value.at < 10 } }
        let trusted = trust.trusts(peer: h.peer, meshKey: key, allowedIPs: peer.allowedIPs)
        if let bound = bindings[key], bound != h.peer.rawValue { return .failure(RejectionError(.conflict)) }
        if let other = bindings.first(where: { $0.value == h.peer.rawValue && $0.key != key }), meshPeers.contains(where: { $0.publicKey == other.key }) {
            return .failure(RejectionError(.conflict))
        }
        if let last = lastSeq[key], h.seq <= last { return .failure(RejectionError(.replay)) }
        var maxAge = Self.skew
        if case .offer(let o) = message { maxAge += Double(o.ttl) }
        if h.timestamp < now - maxAge { return .failure(RejectionError(.stale)) }
        if h.timestamp > now + Self.skew { return .failure(RejectionError(.future)) }
        lastSeq[key] = h.seq
        bindings[key] = h.peer.rawValue
        return .success(Accepted(message: message, peer: peer, trusted: trusted))
    }

    /// The peer WireGuard attributes `source` to on `interface`: the one whose allowed IPs hold
    /// the longest prefix containing it (cryptokey routing), so a spoke's /32 inside a hub's /16
    /// is the spoke's, and the hub cannot be impersonated from it, nor the spoke by the hub.
    public static func owner(of source: IPAddress, on interface: String, among peers: [MeshPeer]) -> MeshPeer? {
        var best: (peer: MeshPeer, length: Int)? = nil
        for p in peers where p.interface == interface {
            for prefix in p.allowedIPs where prefix.contains(source) && prefix.length > (best?.length ?? -1) {
                best = (p, prefix.length)
            }
        }
        return best?.peer
    }

    public struct RejectionError: Error, Sendable {
        public var reason: Rejection
        init(_ r: Rejection) { reason = r }
    }
}
