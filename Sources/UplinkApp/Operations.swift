import UCI
import UplinkCore
import UplinkSystem

/// `add`, `remove`, `priority`, `failover`, `apply`: each one edit of our configuration
/// through the shared write path.
public struct AddRequest: Sendable {
    public var peer: PeerID
    public var endpoint: Endpoint?
    public var publicKey: WireGuardKey?
    public var addresses: [IPPrefix]
    public var priority: Int?
    public var weight: Int?
    /// From a grant: the key pair already sent to the provider, its tunnel address, DNS, MTU.
    public var keyPair: (privateKey: WireGuardKey, publicKey: WireGuardKey)?
    public var gateway: IPAddress?
    public var dns: [String] = []
    public var mtu: Int?
    /// Added by the daemon to keep min_uplinks (AutoAdd), not by the administrator.
    public var automatic = false
    /// Adopt this existing WireGuard interface (its endpoint, key and addresses stay its own).
    public var interface: String?

    public init(peer: PeerID, endpoint: Endpoint? = nil, publicKey: WireGuardKey? = nil, addresses: [IPPrefix] = [],
                priority: Int? = nil, weight: Int? = nil) {
        self.peer = peer
        self.endpoint = endpoint
        self.publicKey = publicKey
        self.addresses = addresses
        self.priority = priority
        self.weight = weight
    }
}

extension UplinkService {
    static func checkPriority(_ p: Int) throws(UplinkError) {
        guard UplinkConfig.priorityRange.contains(p) else {
            throw UplinkError(.invalidArgument, "priority \(p) is out of range \(UplinkConfig.priorityRange.lowerBound)–\(UplinkConfig.priorityRange.upperBound) (higher is preferred)")
        }
    }

    public func add(_ req: AddRequest) throws(UplinkError) -> (UplinkConfig, ApplyOutcome) {
        if let p = req.priority { try Self.checkPriority(p) }
        if let w = req.weight, !UplinkConfig.weightRange.contains(w) {
            throw UplinkError(.invalidArgument, "weight \(w) is out of range \(UplinkConfig.weightRange.lowerBound)–\(UplinkConfig.weightRange.upperBound)")
        }
        return try write { (edit, tx) throws(UplinkError) -> UplinkConfig in
            if edit.configuration.uplink(for: req.peer) != nil {
                throw UplinkError(.exists, "peer \(req.peer) is already an uplink (remove it first, or change its priority)")
            }
            if let name = req.interface { return try adoptInterface(req, interface: name, edit: &edit, tx: tx) }
            // an automatic add decided before its grant arrived: the administrator may have
            // turned auto_add off or removed the peer by hand since
            let s = edit.configuration.settings
            if req.automatic && (!s.enabled || !s.autoAdd || s.autoAddSkip.contains(req.peer.rawValue)) {
                throw UplinkError(.unsupported, "not added: auto_add is off now, or \(req.peer) was removed by hand (auto_add_skip)")
            }
            var endpoint = req.endpoint
            var key = req.publicKey
            if endpoint == nil || key == nil {
                let (state, _) = RuntimeStateStore(paths: paths).load()
                guard let offer = state.offers[req.peer.rawValue], !offer.isExpired(at: Clock.now()) else {
                    throw UplinkError(.noOffer, "no current offer from \(req.peer); give --endpoint HOST:PORT and --public-key KEY")
                }
                if !offer.trusted {
                    throw UplinkError(.untrusted, "the offer from \(req.peer) did not pass the trust check; refusing to use it")
                }
                endpoint = endpoint ?? offer.endpoint
                key = key ?? offer.publicKey
            }
            guard !req.addresses.isEmpty else {
                throw UplinkError(.invalidArgument, "no tunnel address for \(req.peer): give --address CIDR (the address the provider authorises for this uplink)")
            }
            var taken = Set(edit.configuration.uplinks.map(\.interface))
            for p in ["network", "mwan3", "firewall"] {
                for s in tx.document(p)?.package.sections ?? [] { if let n = s.name { taken.insert(n) } }
            }
            let name = InterfaceNaming.interfaceName(for: req.peer, taken: taken)
            let pair: (privateKey: WireGuardKey, publicKey: WireGuardKey)
            if let given = req.keyPair { pair = given } else { pair = try Keys.generatePair() }
            var u = UplinkConfig(peer: req.peer, interface: name, endpoint: endpoint!, publicKey: key!, privateKey: pair.privateKey,
                                 addresses: req.addresses, priority: req.priority ?? UplinkConfig.defaultPriority,
                                 weight: req.weight ?? 1, slot: edit.configuration.freeSlot)
            u.gateway = req.gateway
            u.dns = req.dns
            u.mtu = req.mtu
            u.localPublicKey = pair.publicKey
            u.automatic = req.automatic
            edit.configuration.uplinks.append(u)
            edit.ours.appendSection(u.section)
            if !req.automatic { Self.setAutoAddSkip(&edit, peer: req.peer, skipped: false) }
            return u
        }
    }

    /// `remove`: by hand (the administrator), with auto_add on or of an automatic uplink, the
    /// peer also goes on auto_add_skip, so the daemon never adds it back; the daemon's own removals (AutoAdd) pass `byHand: false`.
    /// An adopted uplink's interface keeps everything but the markers (`Adoption`).
    public func remove(_ peer: PeerID, byHand: Bool = true) throws(UplinkError) -> (UplinkConfig, ApplyOutcome) {
        let result = try write { (edit, _) throws(UplinkError) -> UplinkConfig in
            guard let i = edit.configuration.uplinks.firstIndex(where: { $0.peer == peer }) else {
                throw UplinkError(.notFound, "peer \(peer) is not an uplink")
            }
            if !byHand && !edit.configuration.uplinks[i].automatic {
                throw UplinkError(.unsupported, "\(peer) is no automatic uplink (added by hand since): the daemon leaves it")
            }
            let u = edit.configuration.uplinks.remove(at: i)
            if u.recorded {
                guard let s = edit.document.package.index(ofSectionNamed: u.interface) else {
                    throw UplinkError(.internalError, "uplink section \(u.interface) vanished")
                }
                edit.ours.deleteSection(s)
            }
            if u.adopted { edit.unmark.append(u.interface) }
            // with auto_add on (or for an uplink it added) the daemon must not add it back
            if byHand && (edit.configuration.settings.autoAdd || u.automatic) { Self.setAutoAddSkip(&edit, peer: peer, skipped: true) }
            return u
        }
        if !result.0.adopted, let settings = try? snapshot().configuration.settings { sendRevoke(for: result.0, settings: settings) }
        return result
    }

    /// Puts a peer on (or takes it off) the settings' `list auto_add_skip`.
    static func setAutoAddSkip(_ edit: inout Edit, peer: PeerID, skipped: Bool) {
        let listed = edit.configuration.settings.autoAddSkip.contains(peer.rawValue)
        guard listed != skipped else { return }
        let pkg = edit.document.package
        if skipped {
            edit.configuration.settings.autoAddSkip.append(peer.rawValue)
        } else {
            edit.configuration.settings.autoAddSkip.removeAll { $0 == peer.rawValue }
        }
        if let s = pkg.index(ofSectionNamed: Settings.sectionName) ?? pkg.sections.firstIndex(where: { $0.type == Settings.sectionType }) {
            if skipped {
                edit.ours.addListValue(section: s, name: "auto_add_skip", value: peer.rawValue)
            } else {
                edit.ours.removeListValue(section: s, name: "auto_add_skip", value: peer.rawValue)
            }
        } else if skipped {
            edit.ours.appendSection(UCISection(type: Settings.sectionType, name: Settings.sectionName,
                                               options: [UCIOption("auto_add_skip", list: [peer.rawValue])]))
        }
    }

    public func setPriority(_ peer: PeerID, priority: Int) throws(UplinkError) -> (UplinkConfig, ApplyOutcome) {
        try Self.checkPriority(priority)
        return try write { (edit, _) throws(UplinkError) -> UplinkConfig in
            guard let i = edit.configuration.uplinks.firstIndex(where: { $0.peer == peer }) else {
                throw UplinkError(.notFound, "peer \(peer) is not an uplink")
            }
            edit.configuration.uplinks[i].priority = priority
            let u = edit.configuration.uplinks[i]
            // (an interface marked by hand and not recorded yet is recorded with it by `write`)
            if u.recorded, let s = edit.document.package.index(ofSectionNamed: u.interface) {
                edit.ours.setOption(section: s, name: "priority", value: String(priority))
            }
            return u
        }
    }

    public func setFailover(_ enabled: Bool) throws(UplinkError) -> ApplyOutcome {
        try write { (edit, _) throws(UplinkError) in
            edit.configuration.settings.autoFailover = enabled
            let pkg = edit.document.package
            if let s = pkg.index(ofSectionNamed: Settings.sectionName) ?? pkg.sections.firstIndex(where: { $0.type == Settings.sectionType }) {
                edit.ours.setOption(section: s, name: "auto_failover", value: enabled ? "1" : "0")
            } else {
                edit.ours.appendSection(UCISection(type: Settings.sectionType, name: Settings.sectionName,
                                                   options: [UCIOption("auto_failover", enabled ? "1" : "0")]))
            }
        }.1
    }

    /// Re-renders everything from our configuration. Idempotent: a second run writes nothing.
    public func apply() throws(UplinkError) -> ApplyOutcome {
        try write { (_, _) throws(UplinkError) in }.1
    }
}
