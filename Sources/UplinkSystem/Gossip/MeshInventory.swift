import UplinkCore

/// The WireGuard mesh as `wg show` reports it: which interfaces form the mesh, our key on
/// each, and every peer's key, allowed IPs and underlay endpoint.
public struct MeshInventory: Sendable {
    public var interfaces: [String]
    public var ownKeys: [String: String]
    public var peers: [MeshPeer]

    public init(interfaces: [String] = [], ownKeys: [String: String] = [:], peers: [MeshPeer] = []) {
        self.interfaces = interfaces
        self.ownKeys = ownKeys
        self.peers = peers
    }

    /// `configured` empty: every WireGuard interface that is not one of ours.
    public static func read(configured: [String]) -> MeshInventory {
        var names = configured
        if names.isEmpty, let r = try? Command.run("wg", ["show", "interfaces"], timeout: 3), r.ok {
            names = r.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
                .filter { !$0.hasPrefix(LinuxPlan.devicePrefix) }
        }
        var inv = MeshInventory(interfaces: [], ownKeys: [:], peers: [])
        for name in names {
            guard let dump = LinuxKernel().dump(name) else { continue }
            inv.interfaces.append(name)
            inv.ownKeys[name] = dump.publicKey
            for p in dump.peers {
                inv.peers.append(MeshPeer(interface: name, publicKey: p.publicKey,
                                          allowedIPs: p.allowedIPs.compactMap { IPPrefix($0) }, endpoint: p.endpoint))
            }
        }
        return inv
    }

    /// The address to send a peer messages to: its first single-host allowed IP.
    public static func address(of peer: MeshPeer) -> IPAddress? {
        peer.allowedIPs.first { $0.address.isV4 && $0.length == 32 }?.address
    }

    /// The underlay host of a peer's endpoint (`169.254.10.2:51820` → 169.254.10.2).
    public static func endpointHost(of peer: MeshPeer) -> String? {
        guard let ep = peer.endpoint, let colon = ep.lastIndex(of: ":") else { return nil }
        var host = String(ep[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        return host
    }
}

/// Who is trusted: the trusted-peer directory and `list trusted_peer`. A `*.pub` file there
/// holds WireGuard mesh keys (one base64 key per line or word), or SecuBox's factory key,
/// `secubox-factory-pub:<node_id>:<sha256hex>`: the hash is of a secret of SecuBox's own
/// snapshot signing, not of any WireGuard key, so what it tells us is the node id the
/// master-link approved. Keys found make a key list, node ids (SecuBox's and
/// `trusted_peer`'s) a node id list; a directory with neither lists nothing.
public enum TrustStore {
    public static func load(paths: Paths, settings: Settings) -> TrustPolicy {
        var keys = Set<String>(), peers = Set(settings.trustedPeers)
        let dir = paths.resolve(settings.trustedKeysDir)
        for name in Files.entries(in: dir).sorted() where name.hasSuffix(".pub") {
            guard let b = try? Files.read(dir + "/" + name, limit: 4096) else { continue }
            let found = TrustFile.parse(String(decoding: b, as: UTF8.self))
            keys.formUnion(found.keys)
            peers.formUnion(found.nodeIDs)
        }
        return TrustPolicy(keys: keys.isEmpty ? nil : keys, peers: peers.isEmpty ? nil : peers)
    }
}
