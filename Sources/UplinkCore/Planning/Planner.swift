import UCI

/// The pure heart of `apply`: from our configuration and the user's network, mwan3 and
/// firewall configs, the sections that make each uplink real (ARCHITECTURE.md, "Configuration").
/// Same input, same plan, byte for byte.
public struct PlanInput: Sendable {
    public var configuration: UplinkConfiguration
    public var network: UCIPackage
    public var mwan3: UCIPackage?
    public var firewall: UCIPackage?
    /// Addresses for endpoint hosts given as DNS names (the shell resolves them).
    public var resolved: [String: IPAddress]
    /// An order measured by the daemon (prefer_latency) that replaces priority order.
    public var rankOverride: [PeerID]?

    public init(configuration: UplinkConfiguration, network: UCIPackage, mwan3: UCIPackage? = nil,
                firewall: UCIPackage? = nil, resolved: [String: IPAddress] = [:], rankOverride: [PeerID]? = nil) {
        self.configuration = configuration
        self.network = network
        self.mwan3 = mwan3
        self.firewall = firewall
        self.resolved = resolved
        self.rankOverride = rankOverride
    }
}

public struct UplinkPlacement: Equatable, Sendable {
    public var peer: PeerID
    public var interface: String
    /// netifd interface metric: the main-table default route `default dev <if> metric N`.
    public var routeMetric: Int
    /// mwan3 member metric in the default policy (nil without mwan3 or with failover off).
    public var memberMetric: Int?
}

public struct Plan: Equatable, Sendable {
    public var network = PackagePlan()
    public var mwan3: PackagePlan?
    public var firewall: PackagePlan?
    public var tracking: Mwan3Tracking?
    public var policy: String?
    /// Worst-case seconds for mwan3 to notice each WAN member's interface dying, from its options.
    public var wanDetection: [String: Int] = [:]
    public var uplinks: [UplinkPlacement] = []
    public var warnings: [String] = []
}

public enum Planner {
    public static let firewallZone = "wguplink"

    public static func plan(_ input: PlanInput) throws(UplinkError) -> Plan {
        let cfg = input.configuration
        let settings = cfg.settings
        var plan = Plan()
        let active = settings.enabled ? cfg.uplinks.filter(\.enabled) : []

        // Names must not collide with the user's sections.
        for u in cfg.uplinks {
            if let s = input.network.section(named: u.interface), !Ownership.isOwned(s) {
                throw UplinkError(.configError, "/etc/config/network already has a section '\(u.interface)' that wireguard-uplink does not manage")
            }
        }

        // Route metrics: unique, above every interface metric the user set.
        let userMetrics = input.network.sections.filter { $0.type == "interface" && !Ownership.isOwned($0) }
            .compactMap { $0["metric"].flatMap { Int($0) } }
        let routeBase = userMetrics.max() ?? 0

        // Failover order: priority (or the daemon's measured order), equal ranks share load.
        let rank = ranks(active, override: input.rankOverride)

        var mwan3Context: Mwan3Context? = nil
        if let m = input.mwan3 {
            let ctx = try Mwan3Context(mwan3: m, settings: settings, isOwned: Ownership.isOwned)
            mwan3Context = ctx
            plan.policy = ctx.policy
            plan.warnings += ctx.warnings
            var wanTracking: [String: Mwan3Tracking] = [:]
            for member in ctx.wanMembers where member.enabled {
                if let iface = m.section(named: member.interface), iface.type == "interface", iface.has("track_ip") {
                    wanTracking[member.interface] = Mwan3Tracking.reading(iface)
                    plan.wanDetection[member.interface] = Mwan3Tracking.reading(iface).worstCaseDetection
                }
            }
            for (wan, t) in wanTracking.sorted(by: { $0.key < $1.key }) where t.worstCaseDetection > settings.failoverTimeout {
                var advice = "raise failover_timeout or use fewer track_ip targets on it"
                if let s = Mwan3Tracking.derive(failoverTimeout: settings.failoverTimeout, targets: t.targets, reliability: t.reliability) {
                    advice = "to fail over in time, set on mwan3 interface '\(wan)': timeout '\(s.timeout)', interval '\(s.interval)', failure_interval '\(s.failureInterval)', down '\(s.down)' (worst case \(s.worstCaseDetection) s)"
                }
                plan.warnings.append("without the daemon running, mwan3 alone needs up to \(t.worstCaseDetection) s to notice WAN '\(wan)' is dead (\(t.targets) targets, timeout \(t.timeout), interval \(t.interval), down \(t.down)), more than failover_timeout \(settings.failoverTimeout) s; \(advice)")
            }
            // the daemon detects and tells mwan3 (mwan3 ifdown/ifup): mwan3's own uplink
            // tracking is only the fallback for when the daemon is not running
            plan.tracking = Mwan3Tracking.uplinkFallback(targets: settings.trackIPs.count)
            for u in cfg.uplinks {
                for name in [u.interface, InterfaceNaming.memberName(interface: u.interface), InterfaceNaming.endpointRuleName(interface: u.interface)] {
                    if let s = m.section(named: name), !Ownership.isOwned(s) {
                        throw UplinkError(.configError, "/etc/config/mwan3 already has a section '\(name)' that wireguard-uplink does not manage")
                    }
                }
            }
        }

        var membership: [String] = []
        var mwan3Sections: [DesiredSection] = []
        var ruleSections: [DesiredSection] = []
        var memberSections: [DesiredSection] = []
        // the networks an endpoint may lie on, read once for every uplink (nil: no interfaces known)
        let underlay = input.network.sections.contains { $0.type == "interface" } ? underlayPrefixes(input.network) : nil
        for u in active {
            let metric = routeBase + u.slot
            var memberMetric: Int? = nil
            plan.network.sections += networkSections(u, metric: metric, settings: settings)
            if let ctx = mwan3Context, let t = plan.tracking {
                mwan3Sections.append(DesiredSection(mwan3Interface(u, tracking: t, settings: settings), .afterLast(type: "interface")))
                let mm = ctx.highestWANMetric + rank[u.peer]!
                guard mm <= 255 else {
                    throw UplinkError(.configError, "uplink '\(u.peer)' would need mwan3 metric \(mm), above mwan3's limit of 256; lower the WAN member metrics")
                }
                let member = InterfaceNaming.memberName(interface: u.interface)
                memberSections.append(DesiredSection(UCISection(type: "member", name: member, options: [
                    UCIOption("interface", u.interface),
                    UCIOption("metric", String(mm)),
                    UCIOption("weight", String(u.weight)),
                    Ownership.marker,
                ]), .afterLast(type: "member")))
                if settings.autoFailover {
                    membership.append(member)
                    memberMetric = mm
                }
                if let rule = endpointRule(u, resolved: input.resolved, warnings: &plan.warnings) {
                    ruleSections.append(DesiredSection(rule, .beforeFirstUser(type: "rule")))
                }
            }
            if let underlay, !onUnderlay(u.endpoint, underlay: underlay, resolved: input.resolved) {
                plan.warnings.append("uplink '\(u.peer)': endpoint \(u.endpoint.host) is not on a directly connected mesh network; make sure a route to it leads over the mesh, not a WAN or another uplink")
            }
            plan.uplinks.append(UplinkPlacement(peer: u.peer, interface: u.interface, routeMetric: metric, memberMetric: memberMetric))
        }
        if let ctx = mwan3Context {
            plan.mwan3 = PackagePlan(sections: mwan3Sections + memberSections + ruleSections,
                                     membership: PolicyMembership(policy: ctx.policy, members: membership))
        }
        let wanInterfaces = Set(mwan3Context?.wanMembers.map(\.interface) ?? [])
        let serving = settings.enabled && cfg.offer.enabled && cfg.offer.privateKey != nil
        if serving {
            plan.network.sections += serverSections(cfg.offer, grants: cfg.grants)
        }
        if let fw = input.firewall {
            var sections = firewallSections(active, firewall: fw, wanInterfaces: wanInterfaces)
            if serving { sections += serverFirewallSections(fw, wanInterfaces: wanInterfaces) }
            plan.firewall = PackagePlan(sections: sections)
        }
        return plan
    }

    /// The uplink server on OpenWrt: its netifd interface and one peer per granted consumer.
    static func serverSections(_ o: OfferConfig, grants: [GrantConfig]) -> [DesiredSection] {
        let dev = OfferConfig.serverDevice
        var out = [DesiredSection(UCISection(type: "interface", name: dev, options: [
            UCIOption("proto", "wireguard"),
            UCIOption("private_key", o.privateKey!.base64),
            UCIOption("listen_port", String(o.listenPort)),
            UCIOption("addresses", list: ["\(o.serverAddress)/\(o.pool.length)"]),
            UCIOption("mtu", String(o.mtu)),
            Ownership.marker,
        ]), .end)]
        for g in grants {
            out.append(DesiredSection(UCISection(type: "wireguard_\(dev)", name: g.sectionName, options: [
                UCIOption("description", "wireguard-uplink consumer: \(g.consumer.rawValue)"),
                UCIOption("public_key", g.publicKey.base64),
                UCIOption("allowed_ips", list: ["\(g.address)/32"]),
                Ownership.marker,
            ]), .end))
        }
        return out
    }

    public static let serverZone = "wguserve"

    /// fw4 for the server: consumers may only go out through the WAN zones (masquerading
    /// there already), reach no service of this router but ping.
    static func serverFirewallSections(_ fw: UCIPackage, wanInterfaces: Set<String>) -> [DesiredSection] {
        let zones = fw.sections.filter { $0.type == "zone" && !Ownership.isOwned($0) }
        let wanZones = zones.filter { z in z["name"] == "wan" || z.list("network").contains(where: { wanInterfaces.contains($0) }) }
            .compactMap { $0["name"] }
        var out = [DesiredSection(UCISection(type: "zone", name: "wgu_serve_zone", options: [
            UCIOption("name", serverZone),
            UCIOption("network", list: [OfferConfig.serverDevice]),
            UCIOption("input", "REJECT"),
            UCIOption("output", "ACCEPT"),
            UCIOption("forward", "REJECT"),
            Ownership.marker,
        ]), .end)]
        for z in Array(Set(wanZones)).sorted() {
            out.append(DesiredSection(UCISection(type: "forwarding", name: "wgu_serve_\(z)", options: [
                UCIOption("src", serverZone), UCIOption("dest", z), Ownership.marker,
            ]), .end))
        }
        out.append(DesiredSection(UCISection(type: "rule", name: "wgu_serve_ping", options: [
            UCIOption("name", "Allow-Ping-wireguard-uplink-consumers"),
            UCIOption("src", serverZone), UCIOption("proto", "icmp"), UCIOption("icmp_type", "echo-request"),
            UCIOption("family", "ipv4"), UCIOption("target", "ACCEPT"), Ownership.marker,
        ]), .end))
        return out
    }

    /// 1 for the most preferred uplinks, 2 for the next, ...; equal priorities share a rank.
    static func ranks(_ uplinks: [UplinkConfig], override: [PeerID]?) -> [PeerID: Int] {
        var result: [PeerID: Int] = [:]
        if let order = override {
            var next = 1
            for p in order where uplinks.contains(where: { $0.peer == p }) && result[p] == nil {
                result[p] = next
                next += 1
            }
            for u in uplinks.sorted(by: { $0.priority > $1.priority || ($0.priority == $1.priority && $0.peer < $1.peer) })
            where result[u.peer] == nil {
                result[u.peer] = next
                next += 1
            }
            return result
        }
        let levels = Array(Set(uplinks.map(\.priority))).sorted(by: >)
        for u in uplinks { result[u.peer] = levels.firstIndex(of: u.priority)! + 1 }
        return result
    }

    static func networkSections(_ u: UplinkConfig, metric: Int, settings: Settings) -> [DesiredSection] {
        var iface: [UCIOption] = [
            UCIOption("proto", "wireguard"),
            UCIOption("private_key", u.privateKey.base64),
        ]
        if !u.addresses.isEmpty { iface.append(UCIOption("addresses", list: u.addresses.map(\.description))) }
        iface += [
            UCIOption("metric", String(metric)),
            UCIOption("nohostroute", "1"),
            UCIOption("mtu", String(u.mtu ?? settings.mtu)),
        ]
        if !u.dns.isEmpty {
            iface.append(UCIOption("dns", list: u.dns))
            iface.append(UCIOption("peerdns", "0"))
        }
        iface += [
            UCIOption("secubox_uplink", "1"),
            UCIOption("secubox_peer_id", u.peer.rawValue),
            Ownership.marker,
        ]
        var allowed = ["0.0.0.0/0"]
        if settings.ipv6 { allowed.append("::/0") }
        var peer: [UCIOption] = [
            UCIOption("description", "wireguard-uplink: \(u.peer.rawValue)"),
            UCIOption("public_key", u.publicKey.base64),
            UCIOption("endpoint_host", u.endpoint.host),
            UCIOption("endpoint_port", String(u.endpoint.port)),
            UCIOption("allowed_ips", list: allowed),
            UCIOption("route_allowed_ips", "1"),
        ]
        if settings.keepalive > 0 { peer.append(UCIOption("persistent_keepalive", String(settings.keepalive))) }
        peer.append(Ownership.marker)
        return [
            DesiredSection(UCISection(type: "interface", name: u.interface, options: iface), .end),
            DesiredSection(UCISection(type: "wireguard_\(u.interface)", name: InterfaceNaming.peerSectionName(interface: u.interface), options: peer), .end),
        ]
    }

    static func mwan3Interface(_ u: UplinkConfig, tracking: Mwan3Tracking, settings: Settings) -> UCISection {
        UCISection(type: "interface", name: u.interface, options: [
            UCIOption("enabled", "1"),
            UCIOption("family", "ipv4"),
            UCIOption("initial_state", "offline"),
        ] + tracking.options(trackIPs: settings.trackIPs) + [Ownership.marker])
    }

    /// Keeps the uplink's own UDP on the main table, ahead of every user rule.
    static func endpointRule(_ u: UplinkConfig, resolved: [String: IPAddress], warnings: inout [String]) -> UCISection? {
        guard let addr = u.endpoint.address ?? resolved[u.endpoint.host] else {
            warnings.append("uplink '\(u.peer)': endpoint host \(u.endpoint.host) did not resolve; no mwan3 endpoint rule until it does")
            return nil
        }
        return UCISection(type: "rule", name: InterfaceNaming.endpointRuleName(interface: u.interface), options: [
            UCIOption("proto", "udp"),
            UCIOption("dest_ip", addr.description),
            UCIOption("dest_port", String(u.endpoint.port)),
            UCIOption("family", addr.isV4 ? "ipv4" : "ipv6"),
            UCIOption("use_policy", "default"),
            Ownership.marker,
        ])
    }

    /// Whether the endpoint lies in one of the underlay prefixes.
    static func onUnderlay(_ e: Endpoint, underlay: [IPPrefix], resolved: [String: IPAddress]) -> Bool {
        guard let addr = e.address ?? resolved[e.host] else { return false }
        return underlay.contains { $0.contains(addr) }
    }

    /// The user's directly connected networks, and the mesh peers' allowed IPs (which also
    /// lead over the mesh): where an uplink endpoint is expected to be.
    static func underlayPrefixes(_ network: UCIPackage) -> [IPPrefix] {
        var prefixes: [IPPrefix] = []
        for s in network.sections where s.type == "interface" && !Ownership.isOwned(s) {
            if let ip = s["ipaddr"], let mask = s["netmask"], let p = IPPrefix.fromNetmask(address: ip, netmask: mask) { prefixes.append(p) }
            for a in s.list("ipaddr") + s.list("addresses") where a.contains("/") {
                if let p = IPPrefix(a) { prefixes.append(p) }
            }
        }
        for s in network.sections where s.type.hasPrefix("wireguard_") && !Ownership.isOwned(s) {
            for a in s.list("allowed_ips") {
                if let p = IPPrefix(a), p.length > 0 { prefixes.append(p) }
            }
        }
        return prefixes
    }

    /// A zone for the uplinks (masquerading, no input) and a forwarding from every zone that
    /// forwards to the WAN zone.
    static func firewallSections(_ uplinks: [UplinkConfig], firewall: UCIPackage, wanInterfaces: Set<String>) -> [DesiredSection] {
        guard !uplinks.isEmpty else { return [] }
        let zones = firewall.sections.filter { $0.type == "zone" && !Ownership.isOwned($0) }
        let wanZones = Set(zones.filter { z in
            z["name"] == "wan" || z.list("network").contains(where: { wanInterfaces.contains($0) })
        }.compactMap { $0["name"] })
        var sources: [String] = []
        for f in firewall.sections where f.type == "forwarding" && !Ownership.isOwned(f) {
            if let d = f["dest"], wanZones.contains(d), let src = f["src"], !sources.contains(src) { sources.append(src) }
        }
        var result = [DesiredSection(UCISection(type: "zone", name: "wgu_zone", options: [
            UCIOption("name", firewallZone),
            UCIOption("network", list: uplinks.map(\.interface)),
            UCIOption("input", "REJECT"),
            UCIOption("output", "ACCEPT"),
            UCIOption("forward", "REJECT"),
            UCIOption("masq", "1"),
            UCIOption("mtu_fix", "1"),
            Ownership.marker,
        ]), .end)]
        for src in sources {
            let safe = String(src.unicodeScalars.map { ($0.properties.isAlphabetic || ("0"..."9").contains($0)) && $0.isASCII ? Character($0) : "_" })
            result.append(DesiredSection(UCISection(type: "forwarding", name: "wgu_fwd_\(safe)", options: [
                UCIOption("src", src),
                UCIOption("dest", firewallZone),
                Ownership.marker,
            ]), .end))
        }
        return result
    }
}
