import UCI

/// This router as a provider: `config offer 'offer'` in our package. While enabled, the
/// daemon runs the uplink server (its own WireGuard interface and port), announces the
/// offer to its mesh peers, and answers requests with grants.
public struct OfferConfig: Equatable, Sendable {
    public static let sectionType = "offer"
    public static let sectionName = "offer"
    public static let serverDevice = "wu_server"

    public var enabled = false
    public var listenPort = 51900
    /// Consumers' addresses come from here; the first host is the server's own.
    public var pool: IPPrefix
    public var bandwidthMbps: Int?
    public var wanType: String?
    public var metered = false
    /// Per-consumer cap in Mbit/s (0: none).
    public var rateLimitMbit = 0
    public var ttl = 60
    public var mtu = 1420
    public var dns: [String] = []
    public var maximumGrants = 32
    public var privateKey: WireGuardKey?

    /// A /24 in 100.64.0.0/10 chosen from the node id, so neighbouring providers differ.
    public static func defaultPool(nodeID: String) -> IPPrefix {
        let h = FNV1a.hash(nodeID.utf8)
        let third = UInt32(64 + (h >> 8) % 64)
        let fourth = UInt32(h % 256)
        return IPPrefix(address: .v4(100 << 24 | third << 16 | fourth << 8), length: 24)
    }

    /// The node id the pools are derived from.
    public var nodeID: String

    public init(nodeID: String) {
        self.nodeID = nodeID
        pool = Self.defaultPool(nodeID: nodeID)
    }

    public init(section s: UCISection?, nodeID: String, file: String) throws(UplinkError) {
        self.init(nodeID: nodeID)
        guard let s else { return }
        let r = OptionReader(section: s, file: file)
        enabled = try r.bool("enabled", default: false)
        listenPort = try r.int("listen_port", 1...65535, default: listenPort, unit: "(UDP port)")
        if let p = s["pool"] {
            guard let prefix = IPPrefix(p), prefix.address.isV4, (16...29).contains(prefix.length) else {
                throw r.bad("pool", p, "expected an IPv4 prefix from /16 to /29, like 100.64.7.0/24")
            }
            pool = IPPrefix(address: prefix.address.masked(prefix.length), length: prefix.length)
        }
        if s.has("bandwidth_mbps") { bandwidthMbps = try r.int("bandwidth_mbps", 1...1_000_000, default: 0, unit: "Mbit/s") }
        if let w = s["wan_type"] {
            guard w.utf8.count <= 32, w.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw r.bad("wan_type", w, "one word, at most 32 characters") }
            wanType = w
        }
        metered = try r.bool("metered", default: false)
        rateLimitMbit = try r.int("rate_limit_mbit", 0...100_000, default: 0, unit: "Mbit/s")
        ttl = try r.int("ttl", 15...3600, default: ttl, unit: "seconds")
        mtu = try r.int("mtu", 1280...9000, default: mtu, unit: "bytes")
        dns = try r.addresses("dns", default: [])
        maximumGrants = try r.int("max_consumers", 1...250, default: maximumGrants, unit: "consumers")
        if let k = s["private_key"] {
            do { privateKey = try WireGuardKey(base64: k) } catch { throw r.bad("private_key", "(hidden)", "not a WireGuard key") }
        }
    }

    /// The server's own tunnel address (the pool's first host), which consumers use as gateway.
    public var serverAddress: IPAddress {
        guard case .v4(let net) = pool.address else { return pool.address }
        return .v4(net + 1)
    }

    /// The IPv6 side of the pool (option ipv6): a ULA /64 from the node id (RFC 4193: fd, a
    /// 40-bit global id, subnet 0), so neighbouring providers differ; the server is `::1` and
    /// each consumer gets the /128 whose interface id is its IPv4 host number.
    public static func defaultPool6(nodeID: String) -> IPPrefix {
        let h = FNV1a.hash(Array("ipv6:".utf8) + Array(nodeID.utf8))
        var b = [UInt8](repeating: 0, count: 16)
        b[0] = 0xFD
        for i in 0..<5 { b[1 + i] = UInt8(truncatingIfNeeded: h >> (8 * UInt64(4 - i))) }
        return IPPrefix(address: .v6(b), length: 64)
    }

    public var pool6: IPPrefix { Self.defaultPool6(nodeID: nodeID) }

    public var serverAddress6: IPAddress { address6(hostNumber: 1) }

    /// A consumer's IPv6 address: the pool6 address with the host number of its IPv4 address.
    public func address6(for v4: IPAddress) -> IPAddress? {
        guard case .v4(let a) = v4, case .v4(let net) = pool.address, pool.contains(v4) else { return nil }
        return address6(hostNumber: a - net)
    }

    func address6(hostNumber n: UInt32) -> IPAddress {
        guard case .v6(var b) = pool6.address else { return pool6.address }
        for i in 0..<4 { b[12 + i] = UInt8(truncatingIfNeeded: n >> (8 * UInt32(3 - i))) }
        return .v6(b)
    }

    /// The lowest free consumer address of the pool.
    public func freeAddress(taken: Set<IPAddress>) -> IPAddress? {
        guard case .v4(let net) = pool.address else { return nil }
        let size = UInt32(1) << UInt32(32 - pool.length)
        var i: UInt32 = 2
        while i < size - 1 {
            let a = IPAddress.v4(net + i)
            if !taken.contains(a) { return a }
            i += 1
        }
        return nil
    }

    public func section(updating existing: UCISection?) -> UCISection {
        var o: [UCIOption] = [UCIOption("enabled", enabled ? "1" : "0"), UCIOption("listen_port", String(listenPort)),
                              UCIOption("pool", pool.description)]
        if let bandwidthMbps { o.append(UCIOption("bandwidth_mbps", String(bandwidthMbps))) }
        if let wanType { o.append(UCIOption("wan_type", wanType)) }
        o.append(UCIOption("metered", metered ? "1" : "0"))
        if rateLimitMbit > 0 { o.append(UCIOption("rate_limit_mbit", String(rateLimitMbit))) }
        if ttl != 60 { o.append(UCIOption("ttl", String(ttl))) }
        if mtu != 1420 { o.append(UCIOption("mtu", String(mtu))) }
        if !dns.isEmpty { o.append(UCIOption("dns", list: dns)) }
        if let privateKey { o.append(UCIOption("private_key", privateKey.base64)) }
        return UCISection(type: Self.sectionType, name: Self.sectionName, options: o)
    }
}

/// A consumer this provider has authorised: `config grant 'g_<hash>'`.
public struct GrantConfig: Equatable, Sendable {
    public static let sectionType = "grant"

    public var consumer: PeerID
    public var publicKey: WireGuardKey
    /// The consumer's key on the mesh: only it may revoke the grant.
    public var meshKey: WireGuardKey
    public var address: IPAddress

    public init(consumer: PeerID, publicKey: WireGuardKey, meshKey: WireGuardKey, address: IPAddress) {
        self.consumer = consumer
        self.publicKey = publicKey
        self.meshKey = meshKey
        self.address = address
    }

    public var sectionName: String { "g_" + FNV1a.base32(publicKey.base64, count: 10) }

    public init(section s: UCISection, file: String) throws(UplinkError) {
        let r = OptionReader(section: s, file: file)
        func key(_ o: String) throws(UplinkError) -> WireGuardKey {
            guard let v = s[o], let k = try? WireGuardKey(base64: v) else { throw r.bad(o, s[o] ?? "", "not a WireGuard key") }
            return k
        }
        guard let c = s["consumer"], let id = try? PeerID(validating: c) else { throw r.bad("consumer", s["consumer"] ?? "", "not a peer id") }
        guard let a = s["address"], let addr = IPAddress(a) else { throw r.bad("address", s["address"] ?? "", "not an address") }
        consumer = id
        publicKey = try key("public_key")
        meshKey = try key("mesh_key")
        address = addr
    }

    public var section: UCISection {
        UCISection(type: Self.sectionType, name: sectionName, options: [
            UCIOption("consumer", consumer.rawValue), UCIOption("public_key", publicKey.base64),
            UCIOption("mesh_key", meshKey.base64), UCIOption("address", address.description),
        ])
    }
}
