import UCI

/// An administrator's WireGuard interface as an uplink would use it: read from its netifd
/// sections (`config interface` with proto wireguard and its `config wireguard_<name>` peers,
/// as netifd's wireguard.sh reads them) or, on a plain Linux router, from the kernel device.
public struct WireGuardInterfaceView: Equatable, Sendable {
    public enum Source: String, Sendable {
        case network, kernel
    }

    public struct Peer: Equatable, Sendable {
        /// How the administrator finds it: the peer section's name or description, or its key.
        public var label: String
        public var publicKey: WireGuardKey?
        public var endpoint: Endpoint?
        public var allowedIPs: [String]
        public var routeAllowedIPs: Bool

        public init(label: String, publicKey: WireGuardKey?, endpoint: Endpoint?, allowedIPs: [String], routeAllowedIPs: Bool) {
            self.label = label
            self.publicKey = publicKey
            self.endpoint = endpoint
            self.allowedIPs = allowedIPs
            self.routeAllowedIPs = routeAllowedIPs
        }

        /// WireGuard routes every IPv4 destination to this peer.
        public var ownsIPv4Default: Bool { allowedIPs.contains { IPPrefix($0).map { $0.address.isV4 && $0.length == 0 } ?? false } }
    }

    public var name: String
    public var source: Source
    /// netifd's proto (only `wireguard` can be adopted); nil from the kernel.
    public var proto: String?
    public var privateKey: WireGuardKey?
    /// The device's own public key, where it is known without deriving it (the kernel's).
    public var publicKey: WireGuardKey?
    public var addresses: [IPPrefix]
    public var mtu: Int?
    public var metric: Int?
    public var peers: [Peer]
    /// `option secubox_uplink '1'` and `option secubox_peer_id` on the netifd interface.
    public var marked = false
    public var markedPeerID: String?

    public init(name: String, source: Source, proto: String?, privateKey: WireGuardKey?, addresses: [IPPrefix],
                mtu: Int? = nil, metric: Int? = nil, peers: [Peer]) {
        self.name = name
        self.source = source
        self.proto = proto
        self.privateKey = privateKey
        self.addresses = addresses
        self.mtu = mtu
        self.metric = metric
        self.peers = peers
    }

    /// The interface `name` of /etc/config/network, nil if there is no such interface (or it
    /// is one of ours). Peers disabled with `option disabled '1'` are left out, as netifd does.
    public init?(network: UCIPackage, interface name: String) {
        guard let s = network.section(named: name), s.type == "interface", !Ownership.isOwned(s) else { return nil }
        self.name = name
        source = .network
        proto = s["proto"]
        privateKey = s["private_key"].flatMap { try? WireGuardKey(base64: $0) }
        addresses = s.words("addresses").compactMap { IPPrefix($0) ?? IPAddress($0).map { IPPrefix(address: $0, length: $0.isV4 ? 32 : 128) } }
        mtu = s["mtu"].flatMap { Int($0) }
        metric = s["metric"].flatMap { Int($0) }
        marked = Adoption.isMarked(s)
        markedPeerID = s[Adoption.peerOption]
        var peers: [Peer] = []
        var n = 0
        for p in network.sections where p.type == "wireguard_\(name)" {
            n += 1
            if p.isTrue("disabled") { continue }
            var label = p.name.map { "'\($0)'" } ?? "#\(n)"
            if let d = p["description"], !d.isEmpty { label += " (\(d))" }
            var endpoint: Endpoint? = nil
            if let host = p["endpoint_host"], !host.isEmpty {
                // netifd's wireguard.sh dials port 51820 when endpoint_port is unset
                endpoint = Endpoint(host: host, port: p["endpoint_port"].flatMap { Int($0) } ?? 51820)
            }
            peers.append(Peer(label: label, publicKey: p["public_key"].flatMap { try? WireGuardKey(base64: $0) }, endpoint: endpoint,
                              allowedIPs: p.words("allowed_ips"),
                              routeAllowedIPs: p.isTrue("route_allowed_ips")))
        }
        self.peers = peers
    }

    /// A kernel WireGuard device (`wg show DEV dump`, `ip address`): a plain Linux router's.
    public init(device: String, dump: WireGuardDump, addresses: [IPPrefix]) {
        name = device
        source = .kernel
        proto = nil
        privateKey = dump.privateKey
        self.addresses = addresses
        peers = dump.peers.map { p in
            Peer(label: String(p.publicKey.prefix(8)) + "…", publicKey: try? WireGuardKey(base64: p.publicKey),
                 endpoint: p.endpoint.flatMap { try? Endpoint(parsing: $0) }, allowedIPs: p.allowedIPs, routeAllowedIPs: true)
        }
    }
}
