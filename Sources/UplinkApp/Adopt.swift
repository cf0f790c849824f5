import UCI
import UplinkCore
import UplinkSystem

/// `add PEER --interface IF`: an administrator's WireGuard interface becomes an uplink, and
/// interfaces marked `secubox_uplink '1'` by hand are taken in by every write and read.
extension UplinkService {
    /// Resolves the adopted uplinks of `cfg` from /etc/config/network (or, on a plain Linux
    /// router, the kernel device) and takes in the interfaces marked by hand (`Adoption`).
    func resolveAdoption(_ cfg: inout UplinkConfiguration, tx: ConfigTransaction) -> Adoption.Resolution {
        // a bad backend option is the write's to refuse and status's to show, not a read's
        let mwan3Present = tx.exists("mwan3")
        let backend = (try? BackendKind.choose(cfg.settings, mwan3Present: mwan3Present)) ?? (mwan3Present ? .mwan3 : .linux)
        let r = Adoption.resolve(&cfg, network: tx.document("network")?.package, mwan3: backend == .mwan3 ? tx.documentOrEmpty("mwan3").package : nil,
                                 kernel: backend == .linux ? kernelView : { _ in nil })
        cfg.adoptionWarnings = r.warnings
        return r
    }

    /// A WireGuard device of this machine, read from the kernel (a plain Linux router's
    /// wg-quick or systemd-networkd tunnel), on the Linux backend only.
    func kernelView(_ device: String) -> WireGuardInterfaceView? {
        guard InterfaceNaming.isValidDeviceName(device), LinkMonitor.exists(device) else { return nil }
        let kernel = LinuxKernel()
        guard let dump = kernel.dump(device) else { return nil }
        var view = WireGuardInterfaceView(device: device, dump: dump, addresses: kernel.localPrefixes(skipping: { $0 != device }))
        view.publicKey = try? WireGuardKey(base64: dump.publicKey)
        return view
    }

    /// The body of `add` with `--interface`: validates the interface and records the uplink;
    /// the write that follows puts the two marker options on it (network).
    func adoptInterface(_ req: AddRequest, interface name: String, edit: inout Edit, tx: ConfigTransaction) throws(UplinkError) -> UplinkConfig {
        if req.endpoint != nil || req.publicKey != nil || !req.addresses.isEmpty {
            throw UplinkError(.invalidArgument, "--interface takes the endpoint, key and addresses from the interface; leave out --endpoint, --public-key and --address")
        }
        if let other = edit.configuration.uplinks.first(where: { $0.interface == name || $0.device == name }) {
            let byHand = other.adopted && other.peer.rawValue == other.interface
                ? " (marked by hand without \(Adoption.peerOption), so its peer id is the interface name; set option \(Adoption.peerOption) '\(req.peer)' on it instead)" : ""
            throw UplinkError(.exists, "interface '\(name)' is already uplink \(other.peer)\(byHand)")
        }
        let network = tx.document("network")?.package
        let mwan3Config = try BackendKind.choose(edit.configuration.settings, mwan3Present: tx.exists("mwan3")) == .mwan3
            ? tx.documentOrEmpty("mwan3").package : nil
        let mwan3 = mwan3Config != nil
        let view: WireGuardInterfaceView
        if let network, let s = network.section(named: name), s.type == "interface" {
            if Ownership.isOwned(s) { throw UplinkError(.invalidArgument, "interface '\(name)' is wireguard-uplink's own; it is already managed") }
            view = WireGuardInterfaceView(network: network, interface: name)!
            if view.marked, let marked = view.markedPeerID, marked != req.peer.rawValue {
                throw UplinkError(.invalidArgument, "interface '\(name)' is marked for peer \(marked) (option \(Adoption.peerOption)); use that peer id, or change the option")
            }
        } else if let v = kernelView(name), !mwan3 {
            view = v
        } else {
            throw UplinkError(.notFound, network != nil
                ? "/etc/config/network has no interface '\(name)'; give the name of its config interface section (proto wireguard)"
                : "no WireGuard device '\(name)' on this machine")
        }
        let owner = try Adoption.provider(of: view, mwan3: mwan3)
        if let mwan3Config { try Adoption.mwan3Conflict(interface: name, mwan3: mwan3Config) }
        // a kernel device whose name is no UCI section name is recorded under a name of ours
        let section = InterfaceNaming.isValidMwan3Name(name) ? name : InterfaceNaming.interfaceName(for: req.peer, taken: Set(edit.configuration.uplinks.map(\.interface)))
        var u = UplinkConfig(peer: req.peer, interface: section, endpoint: owner.endpoint!, publicKey: owner.publicKey!,
                             privateKey: view.privateKey ?? UplinkConfig.unknownKey, addresses: view.addresses,
                             priority: req.priority ?? UplinkConfig.defaultPriority, weight: req.weight ?? 1, slot: edit.configuration.freeSlot)
        u.adopted = true
        if section != name { u.deviceName = name }
        u.gateway = req.gateway
        u.dns = req.dns
        u.localPublicKey = view.publicKey
        Adoption.resolve(&u, view: view, mwan3: mwan3Config)
        edit.configuration.uplinks.append(u)
        edit.ours.appendSection(u.section)
        Self.setAutoAddSkip(&edit, peer: req.peer, skipped: false)
        return u
    }
}

extension UplinkConfig {
    /// This end's public key: stored, else derived from the private key (`wg pubkey`); nil
    /// for an adopted kernel device whose private key is not read.
    var ownPublicKey: WireGuardKey? {
        if let localPublicKey { return localPublicKey }
        return privateKey == UplinkConfig.unknownKey ? nil : try? Keys.publicKey(for: privateKey)
    }
}
