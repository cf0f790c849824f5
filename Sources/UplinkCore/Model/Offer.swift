/// An uplink a mesh peer offers: what it announced plus what we noted on receipt.
public struct Offer: Equatable, Sendable {
    public var peer: PeerID
    public var seq: UInt64
    /// Sender's clock, seconds since the epoch.
    public var timestamp: Double
    public var ttl: Int
    public var bandwidthMbps: Int?
    public var latencyMs: Double?
    public var wanType: String?
    public var available: Bool
    public var metered: Bool
    /// The provider carries IPv6 (its grants hold an IPv6 address).
    public var ipv6 = false
    public var endpoint: Endpoint
    public var publicKey: WireGuardKey
    /// Our clock when it arrived, and when it stops counting.
    public var received: Double
    public var expires: Double
    /// Mesh interface and source address it came from.
    public var via: String?
    public var source: String?
    public var trusted: Bool
    /// The provider's key on the mesh interface the offer came over (requests go to it).
    public var meshKey: String?
    /// Set by an uplink_withdraw; the entry stays (unavailable) until it expires.
    public var withdrawn = false

    public init(peer: PeerID, seq: UInt64, timestamp: Double, ttl: Int, bandwidthMbps: Int? = nil, latencyMs: Double? = nil,
                wanType: String? = nil, available: Bool = true, metered: Bool = false, endpoint: Endpoint,
                publicKey: WireGuardKey, received: Double, expires: Double, via: String? = nil, source: String? = nil,
                trusted: Bool = true) {
        self.peer = peer
        self.seq = seq
        self.timestamp = timestamp
        self.ttl = ttl
        self.bandwidthMbps = bandwidthMbps
        self.latencyMs = latencyMs
        self.wanType = wanType
        self.available = available
        self.metered = metered
        self.endpoint = endpoint
        self.publicKey = publicKey
        self.received = received
        self.expires = expires
        self.via = via
        self.source = source
        self.trusted = trusted
    }

    public func isExpired(at now: Double) -> Bool { now >= expires }
}
