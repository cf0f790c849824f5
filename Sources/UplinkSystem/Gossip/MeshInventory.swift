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

/// Who is trusted: the SecuBox trusted-peer directory (one WireGuard public key per
/// `<fingerprint>.pub` file) and `list trusted_peer` node ids, when either exists.
public enum TrustStore {
    public static func load(paths: Paths, settings: Settings) -> TrustPolicy {
        var policy = TrustPolicy()
        let dir = paths.resolve(settings.trustedKeysDir)
        if Files.isDirectory(dir), let r = try? Command.run("ls", ["-1", dir], timeout: 3), r.ok {
            var keys = Set<String>()
            for f in r.output.split(separator: "\n") where f.hasSuffix(".pub") {
                guard let b = try? Files.read(dir + "/" + f, limit: 4096) else { continue }
                let text = String(decoding: b, as: UTF8.self).trimmingNewlines()
                for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
                    if let k = try? WireGuardKey(base64: String(word)) { keys.insert(k.base64) }
                }
            }
            policy.keys = keys
        }
        if !settings.trustedPeers.isEmpty { policy.peers = Set(settings.trustedPeers) }
        return policy
    }
}
