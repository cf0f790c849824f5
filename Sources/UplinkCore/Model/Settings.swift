import UCI

/// `/etc/config/wireguard-uplink`, section `config wireguard-uplink 'uplink'`: every option,
/// its default when absent, and the check that turns a bad value into an error naming both.
public struct Settings: Equatable, Sendable {
    public enum Backend: String, Sendable, CaseIterable {
        case auto, mwan3, linux
    }

    public var enabled = true
    public var autoFailover = true
    public var minUplinks = 2
    /// Keep `minUplinks` for real: the daemon adds the best trusted offers itself (AutoAdd).
    public var autoAdd = false
    /// Peers the administrator removed by hand: never added automatically again
    /// (`list auto_add_skip`; a manual `add` takes a peer off it).
    public var autoAddSkip: [String] = []
    public var checkInterval = 30
    public var failoverTimeout = 10
    public var preferLatency = true
    /// Flush a path's NATed connections when the daemon takes it out of use, and the uplinks'
    /// when the WAN is used again (`move_flows`), so running flows follow the path both ways.
    public var moveFlows = true
    /// While failed over, point dnsmasq at the active uplink's DNS servers (DNSUpstreams).
    public var manageDNS = true
    public var backend = Backend.auto
    /// Public hosts probed through each path (k-of-n, k = `trackReliability`), both families in
    /// one list: a path's IPv4 side is probed with the IPv4 ones, its IPv6 side with the IPv6 ones.
    public var trackIPs = ["1.1.1.1", "9.9.9.9", "8.8.8.8", "208.67.222.222", "2606:4700:4700::1111", "2620:fe::fe"]
    public var trackReliability = 2
    public var probeURL = "http://connectivitycheck.gstatic.com/generate_204"
    public var probeStatus = 204
    public var probeDNSName = "openwrt.org"
    public var dnsServer = "9.9.9.9"
    public var keepalive = 25
    public var mtu = 1420
    public var ipv6 = false

    /// The track targets of one family.
    public func trackTargets(_ family: AddressFamily) -> [IPAddress] {
        trackIPs.compactMap { IPAddress($0) }.filter { family.contains($0) }
    }
    /// WireGuard interfaces that form the mesh (offers travel only there); empty = every
    /// WireGuard interface that is not an uplink.
    public var meshInterfaces: [String] = []
    /// mwan3 policy the uplinks join; empty = the policy of the user's IPv4 default rule.
    public var mwan3Policy = ""
    /// Linux backend: WAN devices; empty = the device of the main table's default route.
    public var wanDevices: [String] = []
    public var gossipPort = 51899
    public var trustedKeysDir = "/etc/secubox/trusted_peers"
    public var trustedPeers: [String] = []
    /// This router's id in the mesh (offers name it); unset: `NodeIdentity`'s unique default.
    public var nodeID = Settings.hostName
    /// How long `add` without flags waits for the provider's grant.
    public var grantTimeout = 5

    /// Set by the shell at start (the pure core reads no files).
    nonisolated(unsafe) public static var hostName = "openwrt"

    public init() {}

    public static let packageName = "wireguard-uplink"
    public static let sectionType = "wireguard-uplink"
    public static let sectionName = "uplink"

    /// Reads the settings section; a missing section or option takes the default.
    public init(package: UCIPackage, file: String = "/etc/config/wireguard-uplink") throws(UplinkError) {
        self.init()
        guard let s = package.section(named: Self.sectionName) ?? package.sections(ofType: Self.sectionType).first else { return }
        let r = OptionReader(section: s, file: file)
        enabled = try r.bool("enabled", default: enabled)
        autoFailover = try r.bool("auto_failover", default: autoFailover)
        minUplinks = try r.int("min_uplinks", 0...16, default: minUplinks, unit: "uplinks")
        autoAdd = try r.bool("auto_add", default: autoAdd)
        autoAddSkip = try r.peerIDs("auto_add_skip", default: autoAddSkip)
        checkInterval = try r.int("check_interval", 5...3600, default: checkInterval, unit: "seconds")
        failoverTimeout = try r.int("failover_timeout", 2...600, default: failoverTimeout, unit: "seconds")
        preferLatency = try r.bool("prefer_latency", default: preferLatency)
        moveFlows = try r.bool("move_flows", default: moveFlows)
        manageDNS = try r.bool("manage_dns", default: manageDNS)
        backend = try r.choice("backend", default: backend)
        trackIPs = try r.addresses("track_ip", default: trackIPs)
        trackReliability = try r.int("track_reliability", 1...max(1, trackIPs.count), default: min(trackReliability, trackIPs.count), unit: "targets")
        probeURL = try r.url("probe_url", default: probeURL)
        probeStatus = try r.int("probe_status", 100...599, default: probeStatus, unit: "(HTTP status)")
        probeDNSName = try r.hostname("probe_dns_name", default: probeDNSName)
        dnsServer = try r.address("dns_server", default: dnsServer)
        keepalive = try r.int("keepalive", 0...3600, default: keepalive, unit: "seconds")
        mtu = try r.int("mtu", 1280...9000, default: mtu, unit: "bytes")
        ipv6 = try r.bool("ipv6", default: ipv6)
        meshInterfaces = try r.names("mesh_interface", default: meshInterfaces)
        mwan3Policy = try r.name("mwan3_policy", default: mwan3Policy)
        wanDevices = try r.devices("wan_device", default: wanDevices)
        gossipPort = try r.int("gossip_port", 1...65535, default: gossipPort, unit: "(UDP port)")
        trustedKeysDir = r.string("trusted_keys_dir", default: trustedKeysDir)
        trustedPeers = try r.peerIDs("trusted_peer", default: trustedPeers)
        if let id = s["node_id"] {
            do { nodeID = try PeerID(validating: id).rawValue } catch { throw r.bad("node_id", id, error.message) }
        }
        grantTimeout = try r.int("grant_timeout", 1...60, default: grantTimeout, unit: "seconds")
    }
}

/// Reads typed options from one section, naming the option and value in every error.
struct OptionReader {
    let section: UCISection
    let file: String

    func bad(_ option: String, _ value: String, _ expectation: String) -> UplinkError {
        UplinkError(.configError, "\(file): option \(option) \(UCIRender.quote(value)) is invalid: \(expectation)")
    }

    func string(_ option: String, default d: String) -> String {
        section[option] ?? d
    }

    func bool(_ option: String, default d: Bool) throws(UplinkError) -> Bool {
        guard let v = section[option] else { return d }
        switch v.lowercased() {
        case "1", "true", "yes", "on", "enabled": return true
        case "0", "false", "no", "off", "disabled": return false
        default: throw bad(option, v, "expected 1 or 0")
        }
    }

    func int(_ option: String, _ range: ClosedRange<Int>, default d: Int, unit: String) throws(UplinkError) -> Int {
        guard let v = section[option] else { return d }
        guard let n = Int(v), range.contains(n) else {
            throw bad(option, v, "expected a whole number from \(range.lowerBound) to \(range.upperBound) \(unit)")
        }
        return n
    }

    func choice<T: RawRepresentable & CaseIterable>(_ option: String, default d: T) throws(UplinkError) -> T where T.RawValue == String {
        guard let v = section[option] else { return d }
        guard let c = T(rawValue: v) else {
            throw bad(option, v, "expected one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return c
    }

    func address(_ option: String, default d: String) throws(UplinkError) -> String {
        guard let v = section[option] else { return d }
        guard IPAddress(v) != nil else { throw bad(option, v, "expected an IP address") }
        return v
    }

    func addresses(_ option: String, default d: [String]) throws(UplinkError) -> [String] {
        guard section.has(option) else { return d }
        let items = section.list(option)
        for v in items where IPAddress(v) == nil { throw bad(option, v, "expected an IP address") }
        if items.isEmpty { throw bad(option, "", "needs at least one address") }
        if items.count > 16 { throw bad(option, items.joined(separator: " "), "at most 16 targets") }
        return items
    }

    func url(_ option: String, default d: String) throws(UplinkError) -> String {
        guard let v = section[option] else { return d }
        guard v.hasPrefix("http://") || v.hasPrefix("https://"), v.utf8.count <= 512,
              !v.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) else {
            throw bad(option, v, "expected an http:// or https:// URL")
        }
        return v
    }

    func hostname(_ option: String, default d: String) throws(UplinkError) -> String {
        guard let v = section[option] else { return d }
        do { try Endpoint.validateHost(v) } catch { throw bad(option, v, "expected a DNS name") }
        return v
    }

    func name(_ option: String, default d: String) throws(UplinkError) -> String {
        guard let v = section[option] else { return d }
        guard v.utf8.count <= 15, v.utf8.allSatisfy(Self.isNameByte) else {
            throw bad(option, v, "expected a UCI section name ([A-Za-z0-9_], at most 15 characters)")
        }
        return v
    }

    func names(_ option: String, default d: [String]) throws(UplinkError) -> [String] {
        guard section.has(option) else { return d }
        let items = section.list(option)
        for v in items where v.isEmpty || v.utf8.count > 15 || !v.utf8.allSatisfy(Self.isNameByte) {
            throw bad(option, v, "expected an interface name ([A-Za-z0-9_], at most 15 characters)")
        }
        return items
    }

    func devices(_ option: String, default d: [String]) throws(UplinkError) -> [String] {
        guard section.has(option) else { return d }
        let items = section.list(option)
        for v in items where v.isEmpty || v.utf8.count > 15 || v.contains("/") || v.contains(" ") || v == "." || v == ".." {
            throw bad(option, v, "expected a Linux device name (at most 15 characters)")
        }
        return items
    }

    func peerIDs(_ option: String, default d: [String]) throws(UplinkError) -> [String] {
        guard section.has(option) else { return d }
        let items = section.list(option)
        for v in items {
            do { _ = try PeerID(validating: v) } catch { throw bad(option, v, error.message) }
        }
        return items
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }
}
