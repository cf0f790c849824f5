/// `/var/run/wireguard-uplinks.json`: what the daemon and commands know at run time.
/// Versioned; decoding drops (and reports) entries it cannot read instead of failing.
public struct RuntimeState: Equatable, Sendable {
    public static let schema = "wireguard-uplink/runtime"
    public static let version = 1
    public static let maximumOffers = 256
    public static let maximumFileSize = 1 << 20

    public var updated: Double = 0
    /// Path carrying the default route now: "wan:<name>", "uplink:<peer>", or nil if unknown.
    public var activePath: String?
    /// The same for IPv6 (a `/ipv6` key), "unreachable" when no path carries IPv6, nil when
    /// IPv6 is not managed.
    public var activePath6: String?
    public var failoverActive = false
    public var paths: [String: PathHealth] = [:]
    public var offers: [String: Offer] = [:]
    public var counters: [String: Int] = [:]
    /// When the daemon last rewrote mwan3 metrics (at most once per 10 minutes), and the
    /// uplink order (peer ids) it chose from measured latency.
    public var lastReorder: Double?
    public var latencyOrder: [String] = []
    public var daemonPID: Int?
    /// When the daemon itself last wrote the file (other writers leave it alone).
    public var daemonUpdated: Double?
    /// Per mesh key: the node id first seen with it and the last accepted seq (replays
    /// stay rejected across restarts).
    public var meshSeen: [String: (peer: String, seq: UInt64)] = [:]
    /// This router's own offer as last announced.
    public var ownOffer: OwnOffer?
    /// The daemon's automatic adds and removals (option auto_add): AutoAddRecord.
    public var autoAdd = AutoAddRecord()
    /// The daemon's repairs of mwan3's state and its unconfirmed put-backs (mwan3 backend).
    public var mwan3 = Mwan3Record()

    public struct OwnOffer: Equatable, Sendable {
        public var available: Bool
        public var consumers: Int
        public var announced: Double
        public init(available: Bool, consumers: Int, announced: Double) {
            self.available = available
            self.consumers = consumers
            self.announced = announced
        }
    }

    public static func == (a: RuntimeState, b: RuntimeState) -> Bool {
        a.updated == b.updated && a.activePath == b.activePath && a.activePath6 == b.activePath6 && a.failoverActive == b.failoverActive && a.paths == b.paths
            && a.offers == b.offers && a.counters == b.counters && a.lastReorder == b.lastReorder && a.latencyOrder == b.latencyOrder && a.daemonPID == b.daemonPID
            && a.daemonUpdated == b.daemonUpdated && a.ownOffer == b.ownOffer && a.autoAdd == b.autoAdd && a.mwan3 == b.mwan3
            && a.meshSeen.count == b.meshSeen.count
            && a.meshSeen.allSatisfy { k, v in b.meshSeen[k].map { $0.peer == v.peer && $0.seq == v.seq } ?? false }
    }

    public init() {}

    public mutating func count(_ counter: String, by n: Int = 1) {
        counters[counter, default: 0] += n
    }

    // MARK: JSON

    public var json: JSONValue {
        var o = JSONObject()
        o.set("schema", Self.schema)
        o.set("version", Self.version)
        o.set("updated", updated)
        o.set("active_path", activePath)
        o.set("active_path_ipv6", activePath6)
        o.set("failover_active", failoverActive)
        o.set("paths", .object(paths.keys.sorted().map { ($0, Self.encode(paths[$0]!)) }))
        o.set("offers", .object(offers.keys.sorted().map { ($0, Self.encode(offers[$0]!)) }))
        o.set("counters", .object(counters.keys.sorted().map { ($0, .int(Int64(counters[$0]!))) }))
        o.set("last_reorder", lastReorder)
        o.set("latency_order", .array(latencyOrder.map(JSONValue.string)))
        o.set("daemon_pid", daemonPID)
        o.set("daemon_updated", daemonUpdated)
        o.set("mesh_seen", .object(meshSeen.keys.sorted().map { k in
            (k, .object([("peer_id", .string(meshSeen[k]!.peer)), ("seq", .int(Int64(clamping: meshSeen[k]!.seq)))]))
        }))
        if let own = ownOffer {
            var j = JSONObject()
            j.set("available", own.available)
            j.set("consumers", own.consumers)
            j.set("announced", own.announced)
            o.set("own_offer", j.value)
        } else {
            o.set("own_offer", .null)
        }
        o.set("auto_add", autoAdd.json)
        o.set("mwan3", mwan3.json)
        return o.value
    }

    public static func encode(_ h: PathHealth) -> JSONValue {
        var o = JSONObject()
        o.set("kind", h.kind.rawValue)
        o.set("family", h.family.rawValue)
        o.set("name", h.name)
        o.set("device", h.device)
        o.set("state", h.state.rawValue)
        o.set("latency_ms", h.latencyMs)
        o.set("loss_pct", h.lossPct)
        o.set("last_check", h.lastCheck)
        o.set("since", h.since)
        o.set("consecutive_failures", h.consecutiveFailures)
        o.set("consecutive_successes", h.consecutiveSuccesses)
        o.set("handshake_age_s", h.handshakeAge)
        o.set("rx_bytes", h.rxBytes)
        o.set("tx_bytes", h.txBytes)
        o.set("detail", h.detail)
        return o.value
    }

    public static func encode(_ f: Offer) -> JSONValue {
        var caps = JSONObject()
        caps.set("bandwidth_mbps", f.bandwidthMbps)
        caps.set("latency_ms", f.latencyMs)
        caps.set("wan_type", f.wanType)
        caps.set("available", f.available)
        caps.set("metered", f.metered)
        caps.set("ipv6", f.ipv6)
        var ep = JSONObject()
        ep.set("host", f.endpoint.host)
        ep.set("port", f.endpoint.port)
        ep.set("public_key", f.publicKey.base64)
        var o = JSONObject()
        o.set("peer_id", f.peer.rawValue)
        o.set("seq", .int(Int64(clamping: f.seq)))
        o.set("timestamp", f.timestamp)
        o.set("ttl", f.ttl)
        o.set("capabilities", caps.value)
        o.set("endpoint", ep.value)
        o.set("received", f.received)
        o.set("expires", f.expires)
        o.set("via", f.via)
        o.set("source", f.source)
        o.set("trusted", f.trusted)
        o.set("mesh_key", f.meshKey)
        o.set("withdrawn", f.withdrawn)
        return o.value
    }

    /// Reads a state file. Unreadable entries are skipped and named in `problems`.
    public static func decode(_ v: JSONValue) -> (state: RuntimeState, problems: [String]) {
        var s = RuntimeState()
        var problems: [String] = []
        guard case .object = v else { return (s, ["top level is not an object"]) }
        if v["schema"]?.stringValue != schema { problems.append("unknown schema") }
        if let ver = v["version"]?.intValue, ver != Int64(version) { problems.append("schema version \(ver), expected \(version)") }
        s.updated = v["updated"]?.doubleValue ?? 0
        s.activePath = v["active_path"]?.stringValue
        s.activePath6 = v["active_path_ipv6"]?.stringValue
        s.failoverActive = v["failover_active"]?.boolValue ?? false
        s.lastReorder = v["last_reorder"]?.doubleValue
        s.latencyOrder = (v["latency_order"]?.arrayValue ?? []).prefix(256).compactMap(\.stringValue)
        s.daemonPID = v["daemon_pid"]?.intValue.map { Int($0) }
        s.daemonUpdated = v["daemon_updated"]?.doubleValue
        for (k, e) in (v["mesh_seen"]?.objectPairs ?? []).prefix(4096) {
            if let p = e["peer_id"]?.stringValue, let seq = e["seq"]?.intValue, seq >= 0 { s.meshSeen[k] = (p, UInt64(seq)) }
        }
        if let own = v["own_offer"], let a = own["available"]?.boolValue {
            s.ownOffer = OwnOffer(available: a, consumers: Int(own["consumers"]?.intValue ?? 0), announced: own["announced"]?.doubleValue ?? 0)
        }
        s.autoAdd = AutoAddRecord.decode(v["auto_add"])
        s.mwan3 = Mwan3Record.decode(v["mwan3"])
        for (k, e) in v["paths"]?.objectPairs ?? [] {
            if let h = decodeHealth(e) { s.paths[k] = h } else { problems.append("path '\(k)' unreadable") }
        }
        for (k, e) in (v["offers"]?.objectPairs ?? []).prefix(maximumOffers) {
            if let f = decodeOffer(e) { s.offers[k] = f } else { problems.append("offer '\(k)' unreadable") }
        }
        for (k, e) in v["counters"]?.objectPairs ?? [] {
            if let n = e.intValue { s.counters[k] = Int(n) }
        }
        return (s, problems)
    }

    static func decodeHealth(_ v: JSONValue) -> PathHealth? {
        guard let kind = v["kind"]?.stringValue.flatMap(PathHealth.Kind.init(rawValue:)),
              let name = v["name"]?.stringValue else { return nil }
        var h = PathHealth(kind: kind, name: name, device: v["device"]?.stringValue,
                           family: v["family"]?.stringValue.flatMap(AddressFamily.init(rawValue:)) ?? .ipv4)
        h.state = v["state"]?.stringValue.flatMap(HealthState.init(rawValue:)) ?? .unknown
        h.latencyMs = v["latency_ms"]?.doubleValue
        h.lossPct = v["loss_pct"]?.doubleValue
        h.lastCheck = v["last_check"]?.doubleValue
        h.since = v["since"]?.doubleValue
        h.consecutiveFailures = Int(v["consecutive_failures"]?.intValue ?? 0)
        h.consecutiveSuccesses = Int(v["consecutive_successes"]?.intValue ?? 0)
        h.handshakeAge = v["handshake_age_s"]?.intValue.map { Int($0) }
        h.rxBytes = v["rx_bytes"]?.intValue.map { Int($0) }
        h.txBytes = v["tx_bytes"]?.intValue.map { Int($0) }
        h.detail = v["detail"]?.stringValue
        return h
    }

    static func decodeOffer(_ v: JSONValue) -> Offer? {
        guard let pid = v["peer_id"]?.stringValue, let peer = try? PeerID(validating: pid),
              let seq = v["seq"]?.intValue, seq >= 0,
              let ep = v["endpoint"], let host = ep["host"]?.stringValue, let port = ep["port"]?.intValue,
              (1...65535).contains(port), (try? Endpoint.validateHost(host)) != nil,
              let keyText = ep["public_key"]?.stringValue, let key = try? WireGuardKey(base64: keyText),
              let received = v["received"]?.doubleValue, let expires = v["expires"]?.doubleValue else { return nil }
        let caps = v["capabilities"]
        var offer = Offer(peer: peer, seq: UInt64(seq), timestamp: v["timestamp"]?.doubleValue ?? received,
                     ttl: Int(v["ttl"]?.intValue ?? 0),
                     bandwidthMbps: caps?["bandwidth_mbps"]?.intValue.map { Int($0) },
                     latencyMs: caps?["latency_ms"]?.doubleValue, wanType: caps?["wan_type"]?.stringValue,
                     available: caps?["available"]?.boolValue ?? false, metered: caps?["metered"]?.boolValue ?? false,
                     endpoint: Endpoint(host: host, port: Int(port)), publicKey: key, received: received, expires: expires,
                     via: v["via"]?.stringValue, source: v["source"]?.stringValue, trusted: v["trusted"]?.boolValue ?? false)
        offer.meshKey = v["mesh_key"]?.stringValue
        offer.ipv6 = caps?["ipv6"]?.boolValue ?? false
        offer.withdrawn = v["withdrawn"]?.boolValue ?? false
        return offer
    }
}
