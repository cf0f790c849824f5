import UCI

/// Adopting an administrator's WireGuard interface as an uplink (`add PEER --interface IF`,
/// or `option secubox_uplink '1'` set by hand): the interface and its peers stay the
/// administrator's; wireguard-uplink adds only the two marker options, its mwan3 interface,
/// member and endpoint rule (or, on the Linux backend, its routing), and `remove` takes back
/// exactly those.
public enum Adoption {
    public static let markOption = "secubox_uplink"
    public static let peerOption = "secubox_peer_id"
    /// Names of our own configuration's other sections: an uplink recorded under one of them
    /// would make /etc/config/wireguard-uplink unloadable.
    public static let reservedNames: Set<String> = [Settings.sectionName, OfferConfig.sectionName]

    public static func isMarked(_ s: UCISection) -> Bool {
        s.isTrue(markOption)
    }

    /// The user's interfaces marked as uplinks by hand or by `add --interface`:
    /// name and the peer id they give (`secubox_peer_id`, else the interface name).
    public static func markedInterfaces(_ network: UCIPackage) -> [(interface: String, peerID: String)] {
        network.sections.compactMap { s in
            guard s.type == "interface", !Ownership.isOwned(s), isMarked(s), let name = s.name else { return nil }
            return (name, s[peerOption].flatMap { $0.isEmpty ? nil : $0 } ?? name)
        }
    }

    /// The peer of `view` that becomes the uplink's provider, or the refusal saying what to change.
    public static func provider(of view: WireGuardInterfaceView, mwan3: Bool) throws(UplinkError) -> WireGuardInterfaceView.Peer {
        let name = view.name
        func refuse(_ why: String) -> UplinkError { UplinkError(.unsupported, "interface '\(name)' cannot be an uplink: \(why)") }
        if view.source == .network && name.utf8.count > 15 {
            throw refuse("netifd names its WireGuard device after the interface, and a Linux device name has at most 15 characters ('\(name)' has \(name.utf8.count)); rename the interface to at most 13 characters")
        }
        if mwan3 && !(InterfaceNaming.isValidMwan3Name(name) && name.utf8.count <= InterfaceNaming.maximumLength) {
            throw refuse("mwan3 cannot use the name: mwan3 interface names have at most \(InterfaceNaming.maximumLength) characters of A-Z, a-z, 0-9 and _ ('\(name)' has \(name.utf8.count)); rename the interface")
        }
        if name.hasPrefix(InterfaceNaming.prefix) || name.hasPrefix(InterfaceNaming.ipv6Prefix) || name == OfferConfig.serverDevice {
            throw refuse("names starting with \(InterfaceNaming.prefix) or \(InterfaceNaming.ipv6Prefix), and \(OfferConfig.serverDevice), are wireguard-uplink's own; rename the interface")
        }
        if reservedNames.contains(name) {
            throw refuse("'\(name)' names a section of wireguard-uplink's own configuration (\(reservedNames.sorted().joined(separator: ", "))); rename the interface")
        }
        if let proto = view.proto, proto != "wireguard" {
            throw refuse("it is not a WireGuard interface (proto '\(proto)')")
        }
        let owners = view.peers.filter(\.ownsIPv4Default)
        if owners.count > 1 {
            throw refuse("more than one peer owns 0.0.0.0/0 (\(owners.map(\.label).joined(separator: ", "))), and WireGuard sends all of it to one of them; keep 0.0.0.0/0 on the peer of the router that gives you internet and remove it from the others")
        }
        guard let owner = owners.first else {
            let dialable = view.peers.filter { $0.endpoint != nil && $0.publicKey != nil }
            if view.peers.isEmpty {
                throw refuse("it has no peer; add the router that gives you internet as a peer with list allowed_ips '0.0.0.0/0' and its endpoint")
            }
            if dialable.count == 1 {
                let fix = view.source == .network
                    ? "add list allowed_ips '0.0.0.0/0'\(mwan3 ? " and option route_allowed_ips '1'" : "") to peer \(dialable[0].label), the one with an endpoint"
                    : "give peer \(dialable[0].label), the one with an endpoint, allowed-ips 0.0.0.0/0 (wg set \(name) peer KEY allowed-ips 0.0.0.0/0,…, and in the tunnel's own config)"
                throw refuse("no peer owns 0.0.0.0/0, so WireGuard would drop everything routed into it; \(fix)")
            }
            throw refuse("no peer owns 0.0.0.0/0 and none could: an uplink's provider is a peer with an endpoint (endpoint_host) and list allowed_ips '0.0.0.0/0'; add both to the peer of the router that gives you internet")
        }
        guard owner.publicKey != nil else {
            throw refuse("peer \(owner.label), which owns 0.0.0.0/0, has no valid public_key")
        }
        guard owner.endpoint != nil else {
            throw refuse("peer \(owner.label), which owns 0.0.0.0/0, has no endpoint: an uplink dials its provider; set option endpoint_host and option endpoint_port on it")
        }
        if mwan3 && view.source == .network && !owner.routeAllowedIPs {
            throw refuse("mwan3 routes through an interface with the default route netifd installs for it, and peer \(owner.label) has no option route_allowed_ips '1'; set it (and option metric on the interface above your WANs')")
        }
        return owner
    }

    /// mwan3 sections of the administrator's own under the names ours would take: the mwan3
    /// interface, member and endpoint rule of an adopted interface are made by us.
    public static func mwan3Conflict(interface name: String, mwan3: UCIPackage) throws(UplinkError) {
        let names = [name, InterfaceNaming.memberName(interface: name), InterfaceNaming.endpointRuleName(interface: name)]
        guard let taken = names.first(where: { n in mwan3.section(named: n).map { !Ownership.isOwned($0) } ?? false }) else { return }
        throw UplinkError(.unsupported, "interface '\(name)' cannot be an uplink yet: /etc/config/mwan3 already has a section '\(taken)' of yours, and wireguard-uplink makes the mwan3 interface, member and rule of an adopted interface itself; delete yours (and its members from your policies) first")
    }

    /// Fills an adopted uplink's tunnel from its interface; an interface that is gone or no
    /// longer fits leaves `problem` set (the uplink is listed, not planned). `mwan3`: the
    /// mwan3 configuration when mwan3 is the backend.
    public static func resolve(_ u: inout UplinkConfig, view: WireGuardInterfaceView?, mwan3: UCIPackage?) {
        guard let view else {
            u.problem = "its WireGuard interface '\(u.device)' does not exist; restore it, or remove the uplink (wgctl uplink remove \(u.peer))"
            return
        }
        do {
            let owner = try provider(of: view, mwan3: mwan3 != nil)
            if let mwan3 { try mwan3Conflict(interface: u.interface, mwan3: mwan3) }
            u.endpoint = owner.endpoint!
            u.publicKey = owner.publicKey!
            if let k = view.privateKey { u.privateKey = k }
            if let k = view.publicKey { u.localPublicKey = k }
            u.addresses = view.addresses
            u.tunnelRoutes = owner.allowedIPs.compactMap { IPPrefix($0) }.filter { $0.address.isV4 && $0.length > 0 }
            if u.mtu == nil { u.mtu = view.mtu }
            u.problem = nil
        } catch {
            u.problem = error.message
        }
    }

    /// The marker options every adopted interface of /etc/config/network carries.
    public static func markers(_ cfg: UplinkConfiguration, network: UCIPackage) -> [InterfaceMarker] {
        cfg.uplinks.filter { $0.adopted && network.section(named: $0.interface) != nil }
            .map { InterfaceMarker(interface: $0.interface, peer: $0.peer.rawValue) }
    }

    /// What resolving the configuration's adopted uplinks found.
    public struct Resolution: Sendable {
        /// Interfaces marked by hand that our file does not list yet (a write records them).
        public var discovered: [UplinkConfig] = []
        /// Adopted uplinks whose interface lost its marker by hand: the administrator un-marked
        /// it, so a write drops our record of it.
        public var unmarked: [UplinkConfig] = []
        public var warnings: [String] = []
    }

    /// Resolves every adopted uplink and takes in the interfaces marked by hand. An interface
    /// in /etc/config/network is read from there (its marker is the switch); otherwise, on a
    /// plain Linux router, `kernel` reads the device. `mwan3`: the mwan3 configuration when
    /// mwan3 is the backend (nil otherwise).
    public static func resolve(_ cfg: inout UplinkConfiguration, network: UCIPackage?, mwan3: UCIPackage?,
                               kernel: (String) -> WireGuardInterfaceView?) -> Resolution {
        var r = Resolution()
        var kept: [UplinkConfig] = []
        for var u in cfg.uplinks {
            guard u.adopted else { kept.append(u); continue }
            if let network, let s = network.section(named: u.interface), s.type == "interface", !Ownership.isOwned(s) {
                // un-marked by hand, or its peer id changed by hand: our record goes (a new
                // peer id is taken in again below); the administrator's options are never rewritten
                if !isMarked(s) || (s[peerOption].flatMap { $0.isEmpty ? nil : $0 } ?? u.interface) != u.peer.rawValue {
                    r.unmarked.append(u)
                    continue
                }
                resolve(&u, view: WireGuardInterfaceView(network: network, interface: u.interface), mwan3: mwan3)
            } else {
                resolve(&u, view: kernel(u.device), mwan3: mwan3)
            }
            kept.append(u)
        }
        cfg.uplinks = kept
        guard let network else { return r }
        for (name, raw) in markedInterfaces(network) where !cfg.uplinks.contains(where: { $0.interface == name }) {
            guard let peer = try? PeerID(validating: raw) else {
                r.warnings.append("interface '\(name)' is marked as an uplink, but its \(peerOption) \(PeerID.printable(raw)) is not a valid peer id; it is not used")
                continue
            }
            if let other = cfg.uplink(for: peer) {
                r.warnings.append("interface '\(name)' is marked as an uplink to \(peer), which is already uplink '\(other.interface)'; give it another \(peerOption)")
                continue
            }
            guard InterfaceNaming.isValidMwan3Name(name), !reservedNames.contains(name) else {
                r.warnings.append("interface '\(name)' is marked as an uplink, but its name is \(reservedNames.contains(name) ? "one of wireguard-uplink's own section names" : "longer than 15 characters"); rename it")
                continue
            }
            var u = UplinkConfig(peer: peer, interface: name, endpoint: Endpoint(host: "", port: 0), publicKey: UplinkConfig.unknownKey,
                                 privateKey: UplinkConfig.unknownKey, addresses: [], slot: cfg.freeSlot)
            u.adopted = true
            u.recorded = false
            resolve(&u, view: WireGuardInterfaceView(network: network, interface: name), mwan3: mwan3)
            cfg.uplinks.append(u)
            r.discovered.append(u)
        }
        return r
    }
}
