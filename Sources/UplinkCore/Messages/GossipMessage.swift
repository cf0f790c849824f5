/// The mesh protocol: JSON datagrams of at most 1,200 bytes, version 1, sent only over
/// WireGuard mesh interfaces to direct mesh peers (one hop: WireGuard's cryptokey routing is
/// what authenticates the sender, so messages are never relayed).
///
///   uplink_offer     provider → mesh peers, periodically and on every change
///   uplink_withdraw  provider → mesh peers: it no longer offers
///   uplink_request   consumer → provider: authorise this new uplink key
///   uplink_grant     provider → consumer: authorised, with tunnel address, gateway, DNS, MTU
///   uplink_revoke    consumer → provider: forget that key
public enum GossipMessage: Equatable, Sendable {
    case offer(OfferMessage)
    case withdraw(Header)
    case request(RequestMessage)
    case grant(GrantMessage)
    case revoke(RevokeMessage)

    public static let version = 1
    public static let maximumSize = 1200

    /// Fields every message carries: who sends it (its node id and its public key on the
    /// mesh interface), a sequence number that only grows, and the sender's clock.
    public struct Header: Equatable, Sendable {
        public var peer: PeerID
        public var meshKey: WireGuardKey
        public var seq: UInt64
        public var timestamp: Double

        public init(peer: PeerID, meshKey: WireGuardKey, seq: UInt64, timestamp: Double) {
            self.peer = peer
            self.meshKey = meshKey
            self.seq = seq
            self.timestamp = timestamp
        }
    }

    public struct OfferMessage: Equatable, Sendable {
        public var header: Header
        public var ttl: Int
        public var bandwidthMbps: Int?
        public var latencyMs: Double?
        public var wanType: String?
        public var available: Bool
        public var metered: Bool
        /// The provider carries IPv6 (option ipv6, its WAN's IPv6 alive): its grants hold an
        /// IPv6 address too.
        public var ipv6: Bool = false
        /// nil host: use the address this provider has on the receiver's mesh underlay.
        public var endpointHost: String?
        public var endpointPort: Int
        public var publicKey: WireGuardKey

        public init(header: Header, ttl: Int, bandwidthMbps: Int?, latencyMs: Double?, wanType: String?, available: Bool,
                    metered: Bool, endpointHost: String?, endpointPort: Int, publicKey: WireGuardKey) {
            self.header = header
            self.ttl = ttl
            self.bandwidthMbps = bandwidthMbps
            self.latencyMs = latencyMs
            self.wanType = wanType
            self.available = available
            self.metered = metered
            self.endpointHost = endpointHost
            self.endpointPort = endpointPort
            self.publicKey = publicKey
        }
    }

    public struct RequestMessage: Equatable, Sendable {
        public var header: Header
        /// The new uplink's public key to authorise.
        public var publicKey: WireGuardKey
        public var nonce: String

        public init(header: Header, publicKey: WireGuardKey, nonce: String) {
            self.header = header
            self.publicKey = publicKey
            self.nonce = nonce
        }
    }

    public struct GrantMessage: Equatable, Sendable {
        public var header: Header
        public var nonce: String
        public var publicKey: WireGuardKey
        public var address: IPPrefix
        public var gateway: IPAddress
        public var dns: [IPAddress]
        public var mtu: Int
        /// The consumer's IPv6 host address (/128), from a provider that carries IPv6.
        public var address6: IPPrefix? = nil

        public init(header: Header, nonce: String, publicKey: WireGuardKey, address: IPPrefix, gateway: IPAddress,
                    dns: [IPAddress], mtu: Int) {
            self.header = header
            self.nonce = nonce
            self.publicKey = publicKey
            self.address = address
            self.gateway = gateway
            self.dns = dns
            self.mtu = mtu
        }
    }

    public struct RevokeMessage: Equatable, Sendable {
        public var header: Header
        public var publicKey: WireGuardKey

        public init(header: Header, publicKey: WireGuardKey) {
            self.header = header
            self.publicKey = publicKey
        }
    }

    public var header: Header {
        switch self {
        case .offer(let m): return m.header
        case .withdraw(let h): return h
        case .request(let m): return m.header
        case .grant(let m): return m.header
        case .revoke(let m): return m.header
        }
    }

    public var type: String {
        switch self {
        case .offer: return "uplink_offer"
        case .withdraw: return "uplink_withdraw"
        case .request: return "uplink_request"
        case .grant: return "uplink_grant"
        case .revoke: return "uplink_revoke"
        }
    }

    // MARK: encoding

    public func encode() -> [UInt8] {
        var o = JSONObject()
        o.set("v", Self.version)
        o.set("type", type)
        let h = header
        o.set("peer_id", h.peer.rawValue)
        o.set("mesh_key", h.meshKey.base64)
        o.set("seq", .int(Int64(clamping: h.seq)))
        o.set("timestamp", (h.timestamp * 1000).rounded() / 1000)
        switch self {
        case .offer(let m):
            o.set("ttl", m.ttl)
            var caps = JSONObject()
            caps.set("bandwidth_mbps", m.bandwidthMbps)
            caps.set("latency_ms", m.latencyMs.map { ($0 * 10).rounded() / 10 })
            caps.set("wan_type", m.wanType)
            caps.set("available", m.available)
            caps.set("metered", m.metered)
            if m.ipv6 { caps.set("ipv6", true) }
            o.set("capabilities", caps.value)
            var ep = JSONObject()
            ep.set("host", m.endpointHost)
            ep.set("port", m.endpointPort)
            ep.set("public_key", m.publicKey.base64)
            o.set("endpoint", ep.value)
        case .withdraw:
            break
        case .request(let m):
            o.set("public_key", m.publicKey.base64)
            o.set("nonce", m.nonce)
        case .grant(let m):
            o.set("nonce", m.nonce)
            o.set("public_key", m.publicKey.base64)
            o.set("address", m.address.description)
            o.set("gateway", m.gateway.description)
            o.set("dns", .array(m.dns.map { .string($0.description) }))
            o.set("mtu", m.mtu)
            if let a6 = m.address6 { o.set("address6", a6.description) }
        case .revoke(let m):
            o.set("public_key", m.publicKey.base64)
        }
        return Array(JSON.serialize(o.value).utf8)
    }

    // MARK: decoding

    public enum DecodeError: String, Error, Sendable {
        case oversize, notJSON = "not_json", badVersion = "bad_version", badType = "bad_type", badField = "bad_field"
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> GossipMessage {
        guard bytes.count <= maximumSize else { throw .oversize }
        let v: JSONValue
        do { v = try JSON.parse(bytes, maxBytes: maximumSize, maxDepth: 4) } catch { throw .notJSON }
        guard v.objectPairs != nil else { throw .notJSON }
        guard v["v"]?.intValue == Int64(version) else { throw .badVersion }
        guard let type = v["type"]?.stringValue else { throw .badType }
        func str(_ k: String, max: Int = 128) throws(DecodeError) -> String {
            guard let s = v[k]?.stringValue, !s.isEmpty, s.utf8.count <= max else { throw .badField }
            return s
        }
        func key(_ text: String) throws(DecodeError) -> WireGuardKey {
            do { return try WireGuardKey(base64: text) } catch { throw .badField }
        }
        let peer: PeerID
        do { peer = try PeerID(validating: try str("peer_id", max: 64)) } catch { throw .badField }
        guard let seq = v["seq"]?.intValue, seq >= 0, let ts = v["timestamp"]?.doubleValue, ts.isFinite, ts >= 0 else { throw .badField }
        // the same precision encode() writes, so decode → encode → decode is stable
        let header = Header(peer: peer, meshKey: try key(try str("mesh_key")), seq: UInt64(seq), timestamp: (ts * 1000).rounded() / 1000)
        switch type {
        case "uplink_offer":
            guard let ttl = v["ttl"]?.intValue, (5...3600).contains(ttl), let caps = v["capabilities"], caps.objectPairs != nil,
                  let ep = v["endpoint"], ep.objectPairs != nil, let port = ep["port"]?.intValue, (1...65535).contains(port),
                  let available = caps["available"]?.boolValue else { throw .badField }
            var host: String? = nil
            if let h = ep["host"], h != .null {
                // a scope names one of the receiver's devices, which the sender cannot know
                guard let s = h.stringValue, !s.contains("%"), (try? Endpoint.validateHost(s)) != nil else { throw .badField }
                host = s
            }
            var wanType: String? = nil
            if let w = caps["wan_type"], w != .null {
                guard let s = w.stringValue, s.utf8.count <= 32, s.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .badField }
                wanType = s
            }
            let bw = caps["bandwidth_mbps"].flatMap { $0 == .null ? nil : $0 }
            if let bw, bw.intValue == nil || bw.intValue! < 0 || bw.intValue! > 1_000_000 { throw .badField }
            let lat = caps["latency_ms"].flatMap { $0 == .null ? nil : $0 }
            if let lat, lat.doubleValue == nil || lat.doubleValue! < 0 || lat.doubleValue! > 60_000 { throw .badField }
            guard let pk = ep["public_key"]?.stringValue else { throw .badField }
            var offer = OfferMessage(header: header, ttl: Int(ttl), bandwidthMbps: bw?.intValue.map { Int($0) },
                                     latencyMs: lat?.doubleValue.map { ($0 * 10).rounded() / 10 }, wanType: wanType, available: available,
                                     metered: caps["metered"]?.boolValue ?? false, endpointHost: host,
                                     endpointPort: Int(port), publicKey: try key(pk))
            offer.ipv6 = caps["ipv6"]?.boolValue ?? false
            return .offer(offer)
        case "uplink_withdraw":
            return .withdraw(header)
        case "uplink_request":
            let nonce = try str("nonce", max: 32)
            guard nonce.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { throw .badField }
            return .request(RequestMessage(header: header, publicKey: try key(try str("public_key")), nonce: nonce))
        case "uplink_grant":
            guard let addr = IPPrefix(try str("address", max: 64)), let gw = IPAddress(try str("gateway", max: 64)),
                  let mtu = v["mtu"]?.intValue, (1280...9000).contains(mtu) else { throw .badField }
            var dns: [IPAddress] = []
            for d in (v["dns"]?.arrayValue ?? []).prefix(4) {
                guard let s = d.stringValue, let a = IPAddress(s) else { throw .badField }
                dns.append(a)
            }
            var grant = GrantMessage(header: header, nonce: try str("nonce", max: 32), publicKey: try key(try str("public_key")),
                                     address: addr, gateway: gw, dns: dns, mtu: Int(mtu))
            if let a6 = v["address6"], a6 != .null {
                guard let s = a6.stringValue, s.utf8.count <= 64, let p = IPPrefix(s), !p.address.isV4 else { throw .badField }
                grant.address6 = p
            }
            return .grant(grant)
        case "uplink_revoke":
            return .revoke(RevokeMessage(header: header, publicKey: try key(try str("public_key"))))
        default:
            throw .badType
        }
    }
}
