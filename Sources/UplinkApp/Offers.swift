import UCI
import UplinkCore
import UplinkSystem

/// The provider side (offer, withdraw, grants) and the consumer's zero-touch add.
extension UplinkService {
    public struct OfferRequest: Sendable {
        public var bandwidthMbps: Int?
        public var wanType: String?
        public var metered: Bool?
        public init(bandwidthMbps: Int? = nil, wanType: String? = nil, metered: Bool? = nil) {
            self.bandwidthMbps = bandwidthMbps
            self.wanType = wanType
            self.metered = metered
        }
    }

    /// `offer` with its answer for the CLI and rpcd.
    public func offerResult(_ req: OfferRequest) throws(UplinkError) -> JSONValue {
        let (o, outcome) = try offer(req)
        let nodeID = (try? snapshot().configuration.settings.nodeID) ?? Settings.hostName
        return ResultJSON.offer(o, outcome, nodeID: nodeID)
    }

    /// Starts offering this router's WAN (the daemon serves and announces it).
    public func offer(_ req: OfferRequest) throws(UplinkError) -> (OfferConfig, ApplyOutcome) {
        if let b = req.bandwidthMbps, !(1...1_000_000).contains(b) {
            throw UplinkError(.invalidArgument, "bandwidth \(b) Mbit/s is out of range 1–1000000")
        }
        if let w = req.wanType, w.isEmpty || w.utf8.count > 32 || !w.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            throw UplinkError(.invalidArgument, "wan type must be one word of at most 32 printable characters (fiber, dsl, lte, ...)")
        }
        return try write { (edit, _) throws(UplinkError) -> OfferConfig in
            var o = edit.configuration.offer
            o.enabled = true
            if let b = req.bandwidthMbps { o.bandwidthMbps = b }
            if let w = req.wanType { o.wanType = w }
            if let m = req.metered { o.metered = m }
            if o.privateKey == nil { o.privateKey = try Keys.generatePair().privateKey }
            edit.configuration.offer = o
            setSection(&edit, o.section(updating: nil))
            return o
        }
    }

    public func withdraw() throws(UplinkError) -> ApplyOutcome {
        try write { (edit, _) throws(UplinkError) in
            guard edit.configuration.offer.enabled else { return }
            edit.configuration.offer.enabled = false
            if let i = edit.document.package.index(ofSectionNamed: OfferConfig.sectionName) {
                edit.ours.setOption(section: i, name: "enabled", value: "0")
            }
        }.1
    }

    /// Records a grant for a consumer (the daemon calls this when a request is accepted). A
    /// consumer holds one grant: a new key from the same consumer and mesh peer replaces its
    /// old one (the consumer removed that uplink while it could not reach us to revoke it), so
    /// stale keys never fill the pool; the replaced key is returned for the server to drop.
    func grant(consumer: PeerID, key: WireGuardKey, meshKey: WireGuardKey) throws(UplinkError) -> (GrantConfig, replaced: WireGuardKey?) {
        try write { (edit, _) throws(UplinkError) -> (GrantConfig, replaced: WireGuardKey?) in
            if let g = edit.configuration.grants.first(where: { $0.publicKey == key }) { return (g, nil) }
            if let i = edit.configuration.grants.firstIndex(where: { $0.consumer == consumer && $0.meshKey == meshKey }) {
                let old = edit.configuration.grants.remove(at: i)
                let g = GrantConfig(consumer: consumer, publicKey: key, meshKey: meshKey, address: old.address)
                if let s = edit.document.package.index(ofSectionNamed: old.sectionName) { edit.ours.deleteSection(s) }
                edit.configuration.grants.append(g)
                edit.ours.appendSection(g.section)
                return (g, old.publicKey)
            }
            let o = edit.configuration.offer
            guard edit.configuration.grants.count < o.maximumGrants else {
                throw UplinkError(.unsupported, "already serving \(o.maximumGrants) consumers (option max_consumers)")
            }
            var taken = Set(edit.configuration.grants.map(\.address))
            taken.insert(o.serverAddress)
            guard let addr = o.freeAddress(taken: taken) else {
                throw UplinkError(.unsupported, "no free address left in pool \(o.pool)")
            }
            let g = GrantConfig(consumer: consumer, publicKey: key, meshKey: meshKey, address: addr)
            edit.configuration.grants.append(g)
            edit.ours.appendSection(g.section)
            return (g, nil)
        }.0
    }

    func revoke(key: WireGuardKey) throws(UplinkError) {
        _ = try write { (edit, _) throws(UplinkError) in
            guard let i = edit.configuration.grants.firstIndex(where: { $0.publicKey == key }) else { return }
            let g = edit.configuration.grants.remove(at: i)
            if let s = edit.document.package.index(ofSectionNamed: g.sectionName) { edit.ours.deleteSection(s) }
        }
    }

    /// Replaces or appends one of our own named sections in our package.
    func setSection(_ edit: inout Edit, _ s: UCISection) {
        if let i = edit.document.package.index(ofSectionNamed: s.name!) {
            if edit.document.package.sections[i] != s { edit.ours.replaceSection(i, with: s) }
        } else {
            edit.ours.appendSection(s)
        }
    }

    // MARK: consumer

    /// `add PEER_ID` without flags: ask the provider over the mesh for a grant and configure
    /// the uplink from its offer and the grant.
    public func addFromOffer(_ peer: PeerID, priority: Int?, weight: Int?, automatic: Bool = false) throws(UplinkError) -> (UplinkConfig, ApplyOutcome) {
        let snap = try snapshot()
        let settings = snap.configuration.settings
        snap.tx.finish()
        if snap.configuration.uplink(for: peer) != nil {
            throw UplinkError(.exists, "peer \(peer) is already an uplink (remove it first, or change its priority)")
        }
        guard let offer = snap.state.offers[peer.rawValue], !offer.isExpired(at: Clock.now()) else {
            throw UplinkError(.noOffer, "no current offer from \(peer): is its daemon offering, and is it a peer of this router's mesh? (wgctl uplink list shows the offers heard); or give --endpoint, --public-key and --address")
        }
        guard offer.trusted else {
            throw UplinkError(.untrusted, "the offer from \(peer) did not pass the trust check: it is not listed (\(settings.trustedKeysDir), list trusted_peer), or, with no list, its mesh peer routes more than a mesh (a default route, or AllowedIPs wider than /16); refusing to use it")
        }
        guard offer.available else {
            throw UplinkError(.noOffer, "\(peer) currently says its uplink is unavailable (its own WAN is down or it withdrew)")
        }
        guard let via = offer.via, let meshKey = offer.meshKey else {
            throw UplinkError(.noOffer, "the offer from \(peer) does not say which mesh peer sent it")
        }
        let inventory = MeshInventory.read(configured: [via])
        guard let meshPeer = inventory.peers.first(where: { $0.publicKey == meshKey }), let to = MeshInventory.address(of: meshPeer),
              let ownKey = inventory.ownKeys[via].flatMap({ try? WireGuardKey(base64: $0) }) else {
            throw UplinkError(.noOffer, "\(peer) is no longer a peer of mesh interface \(via)")
        }
        let pair = try Keys.generatePair()
        let nonce = (try Keys.randomBytes(8)).map { String($0, radix: 16).leftPadded(2) }.joined()
        let me = try PeerID(validating: settings.nodeID)
        let sock = try GossipSocket(interface: via, port: 0)
        var validator = GossipValidator(meshPeers: [meshPeer], trust: TrustPolicy())
        let deadline = Clock.monotonic() + Double(settings.grantTimeout)
        var grant: GossipMessage.GrantMessage? = nil
        var seq = UInt64(Clock.now() * 1_000_000)
        while grant == nil && Clock.monotonic() < deadline {
            seq += 1
            let req = GossipMessage.request(GossipMessage.RequestMessage(
                header: GossipMessage.Header(peer: me, meshKey: ownKey, seq: seq, timestamp: Clock.now()), publicKey: pair.publicKey, nonce: nonce))
            sock.send(req.encode(), to: to, port: settings.gossipPort)
            let retry = min(deadline, Clock.monotonic() + 1)
            while grant == nil && sock.waitReadable(until: retry) {
                for d in sock.receive() {
                    guard case .success(let a) = validator.accept(d.bytes, interface: via, source: d.source, now: Clock.now()),
                          case .grant(let g) = a.message, g.nonce == nonce, g.header.peer == peer else { continue }
                    grant = g
                }
            }
        }
        guard let g = grant else {
            throw UplinkError(.timeout, "\(peer) did not answer the request within \(settings.grantTimeout) s (its daemon refuses untrusted consumers, or is not running)")
        }
        // the router's own networks: its interfaces' (stale devices of removed uplinks aside)
        // and every configured uplink's address
        let local = LinuxKernel().localPrefixes(skipping: { $0.hasPrefix(LinuxPlan.devicePrefix) })
            + snap.configuration.uplinks.flatMap(\.addresses)
        if let why = GrantCheck.problem(address: g.address, gateway: g.gateway, dns: g.dns, mtu: g.mtu, local: local) {
            throw UplinkError(.badGrant, "refusing the grant from \(peer): \(why); nothing was installed")
        }
        // the IPv6 address of a provider that carries IPv6, where this router routes IPv6 too
        var addresses = [g.address]
        if settings.ipv6, let a6 = g.address6 {
            if let why = GrantCheck.problem(address6: a6, local: local) {
                throw UplinkError(.badGrant, "refusing the grant from \(peer): \(why); nothing was installed")
            }
            addresses.append(a6)
        }
        var req = AddRequest(peer: peer, endpoint: offer.endpoint, publicKey: g.publicKey, addresses: addresses,
                             priority: priority, weight: weight)
        req.keyPair = pair
        req.gateway = g.gateway
        req.dns = g.dns.map(\.description)
        req.mtu = g.mtu
        req.automatic = automatic
        var result = try add(req)
        result.1.granted = true
        return result
    }

    /// Tells the provider of a removed uplink to forget its key (best effort, no answer).
    func sendRevoke(for u: UplinkConfig, settings: Settings) {
        let state = RuntimeStateStore(paths: paths).load().state
        guard let offer = state.offers[u.peer.rawValue], let via = offer.via, let meshKey = offer.meshKey else { return }
        let inventory = MeshInventory.read(configured: [via])
        guard let meshPeer = inventory.peers.first(where: { $0.publicKey == meshKey }), let to = MeshInventory.address(of: meshPeer),
              let ownKey = inventory.ownKeys[via].flatMap({ try? WireGuardKey(base64: $0) }),
              let me = try? PeerID(validating: settings.nodeID), let sock = try? GossipSocket(interface: via, port: 0) else { return }
        guard let key = u.localPublicKey ?? (try? Keys.publicKey(for: u.privateKey)) else { return }
        let m = GossipMessage.revoke(GossipMessage.RevokeMessage(
            header: GossipMessage.Header(peer: me, meshKey: ownKey, seq: UInt64(Clock.now() * 1_000_000), timestamp: Clock.now()), publicKey: key))
        sock.send(m.encode(), to: to, port: settings.gossipPort)
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
