import UCI

/// One configured uplink: a `config uplink '<interface>'` section of our own package.
/// This is the desired state the planner renders into network, mwan3 and firewall.
public struct UplinkConfig: Equatable, Sendable {
    public static let sectionType = "uplink"
    public static let defaultPriority = 50
    public static let priorityRange = 1...100
    public static let weightRange = 1...1000

    public var peer: PeerID
    /// The netifd/mwan3 interface name, also this section's name.
    public var interface: String
    public var endpoint: Endpoint
    public var publicKey: WireGuardKey
    public var privateKey: WireGuardKey
    public var addresses: [IPPrefix]
    /// Higher is preferred: uplinks are tried in falling priority; equal priorities share load.
    public var priority: Int
    /// Share of load among uplinks of equal priority (mwan3 member weight).
    public var weight: Int
    /// A small number unique among uplinks; fixes the interface metric so adding or removing
    /// another uplink never renumbers (and bounces) this one.
    public var slot: Int
    public var enabled: Bool
    public var mtu: Int?
    public var dns: [String]
    /// The provider's own tunnel address (from its grant, or option gateway).
    public var gateway: IPAddress?
    /// This uplink's public key, stored so reads need no `wg pubkey` (writes verify it).
    public var localPublicKey: WireGuardKey?
    /// The WireGuard interface and its peer are the administrator's (`option adopted '1'`,
    /// `add --interface`, or an interface marked `secubox_uplink '1'` by hand): its endpoint,
    /// keys and addresses are read from that interface (`Adoption`), never written by us.
    public var adopted = false
    /// Added by the daemon to keep min_uplinks (`option automatic '1'`, AutoAdd).
    public var automatic = false
    /// The Linux device, when it differs from the interface name (an adopted `wg-home`).
    public var deviceName: String?
    /// Why an adopted uplink cannot be used now (its interface is gone or no longer fits);
    /// such an uplink is listed, not planned. Never stored.
    public var problem: String?
    /// False for an interface marked by hand that our file does not list yet (the next write
    /// records it). Never stored.
    public var recorded = true
    /// An adopted tunnel's other IPv4 routes (its provider peer's allowed IPs but 0.0.0.0/0):
    /// site-to-site traffic to them keeps its source. Never stored.
    public var tunnelRoutes: [IPPrefix] = []

    /// The Linux device carrying the uplink: netifd names a WireGuard device after its interface.
    public var device: String { deviceName ?? interface }
    /// Enabled and, if adopted, with an interface that fits: the uplinks that are planned.
    public var usable: Bool { enabled && problem == nil }

    public init(peer: PeerID, interface: String, endpoint: Endpoint, publicKey: WireGuardKey, privateKey: WireGuardKey,
                addresses: [IPPrefix], priority: Int = defaultPriority, weight: Int = 1, slot: Int, enabled: Bool = true,
                mtu: Int? = nil, dns: [String] = []) {
        self.peer = peer
        self.interface = interface
        self.endpoint = endpoint
        self.publicKey = publicKey
        self.privateKey = privateKey
        self.addresses = addresses
        self.priority = priority
        self.weight = weight
        self.slot = slot
        self.enabled = enabled
        self.mtu = mtu
        self.dns = dns
    }

    public init(section s: UCISection, file: String = "/etc/config/wireguard-uplink") throws(UplinkError) {
        let where_ = "\(file): uplink section \(UCIRender.quote(s.name ?? "?"))"
        let r = OptionReader(section: s, file: file)
        let adopted = try r.bool("adopted", default: false)
        guard let name = s.name, adopted ? InterfaceNaming.isValidMwan3Name(name) : InterfaceNaming.isValidInterfaceName(name) else {
            throw UplinkError(.configError, adopted
                ? "\(where_): the section name must be the adopted interface's name ([A-Za-z0-9_], at most 15 characters)"
                : "\(where_): the section name must be the uplink's interface name ([a-z0-9_], at most 13 characters)")
        }
        func required(_ o: String) throws(UplinkError) -> String {
            guard let v = s[o], !v.isEmpty else { throw UplinkError(.configError, "\(where_): option \(o) is missing") }
            return v
        }
        do {
            peer = try PeerID(validating: try required("peer_id"))
        } catch {
            throw UplinkError(.configError, "\(where_): option peer_id: \(error.message)")
        }
        interface = name
        self.adopted = adopted
        automatic = try r.bool("automatic", default: false)
        if let d = s["device"] {
            guard InterfaceNaming.isValidDeviceName(d) else { throw r.bad("device", d, "expected a Linux device name (at most 15 characters)") }
            deviceName = d
        }
        priority = try r.int("priority", Self.priorityRange, default: Self.defaultPriority, unit: "(higher is preferred)")
        weight = try r.int("weight", Self.weightRange, default: 1, unit: "(load share)")
        slot = try r.int("slot", 1...200, default: 1, unit: "(metric slot)")
        enabled = try r.bool("enabled", default: true)
        mtu = s.has("mtu") ? try r.int("mtu", 1280...9000, default: 1420, unit: "bytes") : nil
        dns = try r.addresses("dns", default: [])
        if let g = s["gateway"] {
            guard let a = IPAddress(g) else { throw r.bad("gateway", g, "expected the provider's tunnel IP address") }
            gateway = a
        }
        if adopted {
            // the tunnel is read from the administrator's interface (Adoption.resolve)
            endpoint = Endpoint(host: "", port: 0)
            publicKey = Self.unknownKey
            privateKey = Self.unknownKey
            addresses = []
            return
        }
        let host = try required("endpoint_host")
        let portText = try required("endpoint_port")
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw r.bad("endpoint_port", portText, "expected a UDP port from 1 to 65535")
        }
        do { try Endpoint.validateHost(host) } catch { throw r.bad("endpoint_host", host, "expected an IP address or DNS name") }
        endpoint = Endpoint(host: host, port: port)
        do { publicKey = try WireGuardKey(base64: try required("public_key")) } catch {
            throw UplinkError(.configError, "\(where_): option public_key: \(error.message)")
        }
        do { privateKey = try WireGuardKey(base64: try required("private_key")) } catch {
            throw UplinkError(.configError, "\(where_): option private_key is not a WireGuard key")
        }
        var addrs: [IPPrefix] = []
        for a in s.list("address") {
            guard let p = IPPrefix(a) else { throw r.bad("address", a, "expected an address with prefix, like 10.200.1.2/32") }
            addrs.append(p)
        }
        addresses = addrs
        if let k = s["local_public_key"] { localPublicKey = try? WireGuardKey(base64: k) }
    }

    /// Stands for a key an adopted uplink has not been resolved with yet.
    public static let unknownKey = WireGuardKey(bytes: [UInt8](repeating: 0, count: 32))

    /// The provider's tunnel address: option gateway, else the first host of a shared subnet
    /// (10.200.1.2/24 → 10.200.1.1); nil for a lone /32.
    public var providerAddress: IPAddress? {
        if let gateway { return gateway }
        for a in addresses where a.address.isV4 && a.length <= 30 {
            guard case .v4(let net) = a.address.masked(a.length) else { continue }
            let first = IPAddress.v4(net + 1)
            if first != a.address { return first }
        }
        return nil
    }

    public var section: UCISection {
        if adopted { return adoptedSection }
        var o: [UCIOption] = [
            UCIOption("peer_id", peer.rawValue),
            UCIOption("endpoint_host", endpoint.host),
            UCIOption("endpoint_port", String(endpoint.port)),
            UCIOption("public_key", publicKey.base64),
            UCIOption("private_key", privateKey.base64),
        ]
        if let localPublicKey { o.append(UCIOption("local_public_key", localPublicKey.base64)) }
        if !addresses.isEmpty { o.append(UCIOption("address", list: addresses.map(\.description))) }
        o.append(UCIOption("priority", String(priority)))
        o.append(UCIOption("weight", String(weight)))
        o.append(UCIOption("slot", String(slot)))
        if !enabled { o.append(UCIOption("enabled", "0")) }
        if let mtu { o.append(UCIOption("mtu", String(mtu))) }
        if !dns.isEmpty { o.append(UCIOption("dns", list: dns)) }
        if let gateway { o.append(UCIOption("gateway", gateway.description)) }
        if automatic { o.append(UCIOption("automatic", "1")) }
        return UCISection(type: Self.sectionType, name: interface, options: o)
    }

    /// An adopted uplink's record: only what is ours (the tunnel stays in the interface).
    var adoptedSection: UCISection {
        var o: [UCIOption] = [UCIOption("peer_id", peer.rawValue), UCIOption("adopted", "1")]
        if let deviceName { o.append(UCIOption("device", deviceName)) }
        o.append(UCIOption("priority", String(priority)))
        o.append(UCIOption("weight", String(weight)))
        o.append(UCIOption("slot", String(slot)))
        if !enabled { o.append(UCIOption("enabled", "0")) }
        if !dns.isEmpty { o.append(UCIOption("dns", list: dns)) }
        if let gateway { o.append(UCIOption("gateway", gateway.description)) }
        return UCISection(type: Self.sectionType, name: interface, options: o)
    }
}

/// Settings plus uplinks: everything our own package holds.
public struct UplinkConfiguration: Equatable, Sendable {
    public var settings: Settings
    public var uplinks: [UplinkConfig]
    public var offer: OfferConfig
    public var grants: [GrantConfig]
    /// What resolving adopted interfaces had to say (`Adoption.resolve`); planned as warnings.
    public var adoptionWarnings: [String] = []

    public init(settings: Settings, uplinks: [UplinkConfig], offer: OfferConfig? = nil, grants: [GrantConfig] = []) {
        self.settings = settings
        self.uplinks = uplinks
        self.offer = offer ?? OfferConfig(nodeID: settings.nodeID)
        self.grants = grants
    }

    public init(package: UCIPackage, file: String = "/etc/config/wireguard-uplink") throws(UplinkError) {
        settings = try Settings(package: package, file: file)
        offer = try OfferConfig(section: package.section(named: OfferConfig.sectionName), nodeID: settings.nodeID, file: file)
        var gs: [GrantConfig] = []
        for s in package.sections(ofType: GrantConfig.sectionType) { gs.append(try GrantConfig(section: s, file: file)) }
        grants = gs
        var list: [UplinkConfig] = []
        var seenPeers = Set<PeerID>()
        for s in package.sections(ofType: UplinkConfig.sectionType) {
            let u = try UplinkConfig(section: s, file: file)
            if !seenPeers.insert(u.peer).inserted {
                throw UplinkError(.configError, "\(file): peer \(u.peer) has two uplink sections")
            }
            list.append(u)
        }
        uplinks = list
    }

    public func uplink(for peer: PeerID) -> UplinkConfig? { uplinks.first { $0.peer == peer } }

    /// The lowest slot number no uplink uses.
    public var freeSlot: Int {
        let used = Set(uplinks.map(\.slot))
        var s = 1
        while used.contains(s) { s += 1 }
        return s
    }
}
