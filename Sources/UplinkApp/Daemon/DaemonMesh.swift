#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

/// What the daemon does with mesh messages, and the announcements of this router's offer.
extension Daemon {
    func onMeshReadable() {
        let accepted = mesh.receive(counters: &state.counters)
        guard !accepted.isEmpty else {
            dirty = true
            return
        }
        var offersChanged = false
        for (a, d) in accepted {
            switch a.message {
            case .offer(let m):
                offersChanged = onOffer(m, peer: a.peer, trusted: a.trusted, source: d.source) || offersChanged
            case .withdraw(let h):
                if var o = state.offers[h.peer.rawValue], o.meshKey == h.meshKey.base64, !o.withdrawn {
                    o.available = false
                    o.withdrawn = true
                    state.offers[h.peer.rawValue] = o
                    offersChanged = true
                    log("mesh: \(h.peer) withdrew its offer")
                }
            case .request(let r):
                onRequest(r, peer: a.peer, trusted: a.trusted, from: d)
            case .revoke(let r):
                onRevoke(r)
            case .grant:
                state.counters["mesh_unexpected_grant", default: 0] += 1
            }
        }
        dirty = true
        if offersChanged { reselect(reason: "offer changed") }
    }

    /// Records an offer; true when it changes what selection sees.
    func onOffer(_ m: GossipMessage.OfferMessage, peer: MeshPeer, trusted: Bool, source: IPAddress) -> Bool {
        let now = Clock.now()
        let host = m.endpointHost ?? MeshInventory.endpointHost(of: peer) ?? MeshInventory.address(of: peer)?.description
        guard let host else { return false }
        let old = state.offers[m.header.peer.rawValue]
        var o = Offer(peer: m.header.peer, seq: m.header.seq, timestamp: m.header.timestamp, ttl: m.ttl,
                      bandwidthMbps: m.bandwidthMbps, latencyMs: m.latencyMs, wanType: m.wanType, available: m.available,
                      metered: m.metered, endpoint: Endpoint(host: host, port: m.endpointPort), publicKey: m.publicKey,
                      received: now, expires: now + Double(m.ttl), via: peer.interface, source: source.description, trusted: trusted)
        o.meshKey = m.header.meshKey.base64
        o.ipv6 = m.ipv6
        if state.offers[m.header.peer.rawValue] == nil && state.offers.count >= RuntimeState.maximumOffers {
            state.counters["mesh_dropped_offer_table_full", default: 0] += 1
            return false
        }
        state.offers[m.header.peer.rawValue] = o
        let returned = o.available && (old == nil || old!.withdrawn || !old!.available || old!.publicKey != o.publicKey
                                       || old!.endpoint.port != o.endpoint.port)
        if returned, let u = configuration.uplink(for: m.header.peer), trusted {
            // the provider (re)started its server: our session is stale; prove the uplink again
            if backend == .linux, let link = LinuxPlan(configuration: configuration).links.first(where: { $0.peer == u.peer }) {
                do { try kernel.restartPeer(link) } catch { log("mesh: \(error.message)") }
            }
            let key = "uplink:\(u.peer.rawValue)"
            if var t = trackers[key], t.health.state != .unknown, key != active {
                t.health.consecutiveSuccesses = 0
                t.set(.unknown, now)
                trackers[key] = t
            }
            nextFullCheck = min(nextFullCheck, Clock.monotonic() + 0.5)
        }
        if old?.available != o.available { log("mesh: offer from \(m.header.peer): \(o.available ? "available" : "unavailable")\(trusted ? "" : " (untrusted)")") }
        return old?.available != o.available || old?.metered != o.metered || old == nil
    }

    // MARK: provider

    var offering: Bool { configuration.settings.enabled && configuration.offer.enabled && configuration.offer.privateKey != nil }

    /// Available while offering, our WAN is healthy and carries our own default route.
    var offerAvailable: Bool {
        guard offering, let a = active, a.hasPrefix("wan:"), let t = trackers[a] else { return false }
        return t.health.state == .up || t.health.state == .degraded || t.health.state == .unknown
    }

    /// We carry consumers' IPv6: option ipv6, and a WAN whose IPv6 side is not proven dead.
    /// We carry consumers' IPv6: option ipv6, IPv6 forwarding on, and a WAN whose IPv6 side is
    /// not proven dead.
    var offerIPv6: Bool {
        configuration.settings.ipv6 && LinuxKernel.ipv6Forwarding()
            && trackers.values.contains { $0.health.kind == .wan && $0.health.family == .ipv6 && $0.health.state != .down }
    }

    /// The IPv6 address a grant gives a consumer (nil while we carry no IPv6).
    func grantAddress6(_ g: GrantConfig) -> IPAddress? {
        offerIPv6 ? configuration.offer.address6(for: g.address) : nil
    }

    /// Announces our offer every ttl/4, and a change (available, unavailable, withdrawn)
    /// three times: at once, +1 s and +3 s, so one lost datagram leaves no neighbour on stale
    /// news until the next periodic announcement.
    func announceIfDue(force: Bool = false) {
        let now = Clock.monotonic()
        // nil: not offering; true/false: offering, available or not
        let current: Bool? = offering ? offerAvailable : nil
        let changed = current != announced
        let repeatDue = mesh.repeats.first.map { now >= $0 } ?? false
        let periodic = current != nil && now >= mesh.nextAnnounce
        guard force || changed || repeatDue || periodic else { return }
        if repeatDue { mesh.repeats.removeFirst() }
        if changed || force { mesh.repeats = [now + 1, now + 3] }
        let nodeID = configuration.settings.nodeID
        if let available = current {
            let o = configuration.offer
            guard let key = o.privateKey.flatMap({ try? Keys.publicKey(for: $0) }) else {
                log("mesh: no offer sent: the offer's public key cannot be derived (wg pubkey)")
                return
            }
            let latency = active.flatMap { trackers[$0]?.health.latencyMs }
            let ipv6 = offerIPv6
            let sent = mesh.broadcast(nodeID: nodeID) { h in
                var m = GossipMessage.OfferMessage(header: h, ttl: o.ttl, bandwidthMbps: o.bandwidthMbps, latencyMs: latency,
                                                   wanType: o.wanType, available: available, metered: o.metered,
                                                   endpointHost: nil, endpointPort: o.listenPort, publicKey: key)
                m.ipv6 = ipv6
                return .offer(m)
            }
            if changed { log("mesh: offer \(available ? "available" : "unavailable") sent to \(sent) peers") }
            state.ownOffer = RuntimeState.OwnOffer(available: available, consumers: configuration.grants.count, announced: Clock.now())
        } else {
            _ = mesh.broadcast(nodeID: nodeID) { .withdraw($0) }
            if changed { log("mesh: offer withdrawn") }
            state.ownOffer = nil
        }
        announced = current
        dirty = true
        if periodic || changed || force { mesh.nextAnnounce = now + Double(configuration.offer.ttl) / 4 }
    }

    func onRequest(_ r: GossipMessage.RequestMessage, peer: MeshPeer, trusted: Bool, from d: GossipSocket.Datagram) {
        guard offering else {
            state.counters["mesh_request_not_offering", default: 0] += 1
            return
        }
        guard trusted else {
            state.counters["mesh_request_untrusted", default: 0] += 1
            log("mesh: request from untrusted \(r.header.peer) refused")
            return
        }
        let o = configuration.offer
        var grant = configuration.grants.first { $0.publicKey == r.publicKey }
        if grant == nil {
            do {
                let (g, replaced) = try service.grant(consumer: r.header.peer, key: r.publicKey, meshKey: r.header.meshKey)
                grant = g
                if let old = replaced {
                    kernel.deauthorize(server: OfferConfig.serverDevice, key: old)
                    log("mesh: \(r.header.peer) asked with a new key; its old one is no longer authorised")
                }
            } catch {
                log("mesh: cannot grant \(r.header.peer): \(error.message)")
                state.counters["mesh_request_failed", default: 0] += 1
                return
            }
            if backend == .linux || backend == .mwan3 {
                do {
                    try kernel.authorize(server: OfferConfig.serverDevice, key: r.publicKey, address: grant!.address, address6: grantAddress6(grant!))
                } catch {
                    log("mesh: \(error.message)")
                }
            }
            log("mesh: granted \(grant!.address) to \(r.header.peer)")
        }
        guard grant!.meshKey == r.header.meshKey else {
            state.counters["mesh_request_key_mismatch", default: 0] += 1
            return
        }
        let dns = o.dns.compactMap { IPAddress($0) }
        guard let h = mesh.header(nodeID: configuration.settings.nodeID, interface: peer.interface),
              let serverKey = o.privateKey.flatMap({ try? Keys.publicKey(for: $0) }) else { return }
        var message = GossipMessage.GrantMessage(
            header: h, nonce: r.nonce, publicKey: serverKey,
            address: IPPrefix(address: grant!.address, length: 32), gateway: o.serverAddress,
            dns: dns.isEmpty ? [IPAddress(configuration.settings.dnsServer)].compactMap { $0 } : dns, mtu: o.mtu)
        message.address6 = grantAddress6(grant!).map { IPPrefix(address: $0, length: 128) }
        let reply = GossipMessage.grant(message)
        mesh.reply(reply, via: peer.interface, to: d.source, port: d.sourcePort)
        state.counters["mesh_grants_sent", default: 0] += 1
    }

    func onRevoke(_ r: GossipMessage.RevokeMessage) {
        guard let g = configuration.grants.first(where: { $0.publicKey == r.publicKey }), g.meshKey == r.header.meshKey else {
            state.counters["mesh_revoke_unknown", default: 0] += 1
            return
        }
        kernel.deauthorize(server: OfferConfig.serverDevice, key: g.publicKey)
        do {
            try service.revoke(key: g.publicKey)
            log("mesh: revoked \(g.consumer)'s uplink \(g.address)")
        } catch {
            log("mesh: cannot revoke: \(error.message)")
        }
    }
}
