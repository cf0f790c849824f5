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
    /// The netifd (and, with an IPv6 default rule, mwan3) interface of the IPv6 side, if any.
    public var ipv6Interface: String? = nil
    /// mwan3 member metric of the IPv6 side in the IPv6 default policy.
    public var memberMetric6: Int? = nil
}

public struct Plan: Equatable, Sendable {
    public var network = PackagePlan()
    public var mwan3: PackagePlan?
    public var firewall: PackagePlan?
    /// mwan3's fallback tracking of the uplinks' IPv4 interfaces (and of the IPv6 ones).
    public var tracking: Mwan3Tracking?
    public var tracking6: Mwan3Tracking?
    /// The mwan3 policy of IPv4 default traffic (and of IPv6, nil without IPv6 uplinks or rule).
    public var policy: String?
    public var policy6: String?
    /// Worst-case seconds for mwan3 to notice each WAN member's interface dying, from its options.
    public var wanDetection: [String: Int] = [:]
    public var uplinks: [UplinkPlacement] = []
    public var warnings: [String] = []
}

public enum Planner {
    public static func plan(_ input: PlanInput) throws(UplinkError) -> Plan {
        let cfg = input.configuration
        let settings = cfg.settings
        var plan = Plan()
        let active = settings.enabled ? cfg.uplinks.filter(\.usable) : []
        let withIPv6 = Set(active.filter { hasIPv6Side($0, settings: settings) }.map(\.peer))

        // Names must not collide with the user's sections (an adopted interface is the user's).
        for u in cfg.uplinks {
            let names = (u.adopted ? [] : [u.interface]) + (hasIPv6Side(u, settings: settings) ? [InterfaceNaming.ipv6InterfaceName(interface: u.interface)] : [])
            for name in names {
                if let s = input.network.section(named: name), !Ownership.isOwned(s) {
                    throw UplinkError(.configError, "/etc/config/network already has a section '\(name)' that wireguard-uplink does not manage")
                }
            }
        }

        // Route metrics: unique, above every interface metric the user set.
        let userMetrics = input.network.sections.filter { $0.type == "interface" && !Ownership.isOwned($0) }
            .compactMap { $0["metric"].flatMap { Int($0) } }
        let routeBase = userMetrics.max() ?? 0

        // Failover order: priority (or the daemon's measured order), equal ranks share load.
        let rank = ranks(active, override: input.rankOverride)

        var context4: Mwan3Context? = nil
        var context6: Mwan3Context? = nil
        if let m = input.mwan3 {
            let ctx = try Mwan3Context(mwan3: m, settings: settings, isOwned: Ownership.isOwned)
            context4 = ctx
            plan.policy = ctx.policy
            plan.warnings += ctx.warnings
            if !withIPv6.isEmpty, let ctx6 = try ipv6Context(m, settings: settings, warnings: &plan.warnings) {
                context6 = ctx6
                plan.policy6 = ctx6.policy
                plan.warnings += ctx6.warnings.filter { !plan.warnings.contains($0) }
            }
            wanDetection(m, contexts: [context4, context6].compactMap { $0 }, settings: settings, plan: &plan)
            // the daemon detects and tells mwan3 (mwan3 ifdown/ifup): mwan3's own uplink
            // tracking is only the fallback for when the daemon is not running
            plan.tracking = tracking(.ipv4, settings: settings)
            if context6 != nil { plan.tracking6 = tracking(.ipv6, settings: settings) }
            if plan.tracking == nil && !active.isEmpty { plan.warnings.append(untrackedWarning(.ipv4)) }
            if plan.tracking6 == nil && context6 != nil { plan.warnings.append(untrackedWarning(.ipv6)) }
            // (an adopted interface's own mwan3 sections are checked when it is resolved)
            for u in cfg.uplinks where !u.adopted {
                var names = [u.interface, InterfaceNaming.memberName(interface: u.interface), InterfaceNaming.endpointRuleName(interface: u.interface)]
                if hasIPv6Side(u, settings: settings) {
                    let w6 = InterfaceNaming.ipv6InterfaceName(interface: u.interface)
                    names += [w6, InterfaceNaming.memberName(interface: w6)]
                }
                for name in names {
                    if let s = m.section(named: name), !Ownership.isOwned(s) {
                        throw UplinkError(.configError, "/etc/config/mwan3 already has a section '\(name)' that wireguard-uplink does not manage")
                    }
                }
            }
        }

        var members4: [String] = []
        var members6: [String] = []
        var mwan3Sections: [DesiredSection] = []
        var ruleSections: [DesiredSection] = []
        var memberSections: [DesiredSection] = []
        var zoneNetworks: [String] = []
        // the networks an endpoint may lie on, read once for every uplink (nil: no interfaces known)
        let underlay = input.network.sections.contains { $0.type == "interface" } ? underlayPrefixes(input.network) : nil
        for u in active {
            let metric = routeBase + u.slot
            let ipv6Side = withIPv6.contains(u.peer)
            var placement = UplinkPlacement(peer: u.peer, interface: u.interface, routeMetric: metric, memberMetric: nil)
            if u.adopted {
                // the interface and its peer are the administrator's: only the markers are ours
                if let fw = input.firewall, let zone = userZone(of: u.interface, firewall: fw) {
                    if !zone.isTrue("masq") {
                        plan.warnings.append("uplink '\(u.peer)': interface '\(u.interface)' is in your firewall zone '\(zone["name"] ?? "?")', which does not masquerade; the provider routes only this router's tunnel address, so set option masq '1' on that zone")
                    }
                } else {
                    zoneNetworks.append(u.interface)
                }
                if let warning = adoptedMetricWarning(u, network: input.network, wans: context4?.wanMembers.map(\.interface) ?? []) {
                    plan.warnings.append(warning)
                }
            } else {
                plan.network.sections += networkSections(u, metric: metric, settings: settings, ipv6Side: ipv6Side)
                zoneNetworks.append(u.interface)
            }
            if ipv6Side {
                plan.network.sections.append(ipv6NetworkSection(u))
                placement.ipv6Interface = InterfaceNaming.ipv6InterfaceName(interface: u.interface)
                zoneNetworks.append(placement.ipv6Interface!)
            } else if settings.ipv6 {
                plan.warnings.append(missingIPv6Warning(u))
            }
            if let ctx4 = context4 {
                var sides = [(AddressFamily.ipv4, u.interface, ctx4, plan.tracking)]
                if let ctx6 = context6, let w6 = placement.ipv6Interface { sides.append((.ipv6, w6, ctx6, plan.tracking6)) }
                for (family, name, ctx, tracking) in sides {
                    mwan3Sections.append(DesiredSection(mwan3Interface(name, family: family, tracking: tracking, settings: settings), .afterLast(type: "interface")))
                    let mm = ctx.highestWANMetric + rank[u.peer]!
                    guard mm <= 255 else {
                        throw UplinkError(.configError, "uplink '\(u.peer)' would need mwan3 \(family == .ipv4 ? "" : "IPv6 ")metric \(mm), above mwan3's limit of 256; lower the WAN member metrics")
                    }
                    memberSections.append(DesiredSection(mwan3Member(interface: name, metric: mm, weight: u.weight), .afterLast(type: "member")))
                    guard settings.autoFailover else { continue }
                    if family == .ipv4 {
                        members4.append(InterfaceNaming.memberName(interface: name))
                        placement.memberMetric = mm
                    } else {
                        members6.append(InterfaceNaming.memberName(interface: name))
                        placement.memberMetric6 = mm
                    }
                }
                if let rule = endpointRule(u, resolved: input.resolved, warnings: &plan.warnings) {
                    ruleSections.append(DesiredSection(rule, .beforeFirstUser(type: "rule")))
                }
            }
            if let underlay, !onUnderlay(u.endpoint, underlay: underlay, resolved: input.resolved) {
                plan.warnings.append("uplink '\(u.peer)': endpoint \(u.endpoint.host) is not on a directly connected mesh network; make sure a route to it leads over the mesh, not a WAN or another uplink")
            }
            plan.uplinks.append(placement)
        }
        plan.network.markers = Adoption.markers(cfg, network: input.network)
        plan.warnings += cfg.adoptionWarnings
        for u in cfg.uplinks where u.enabled {
            if let problem = u.problem { plan.warnings.append("uplink '\(u.peer)' is not used: \(problem)") }
        }
        if let ctx4 = context4 {
            var families = [(context: ctx4, members: members4)]
            if let ctx6 = context6 { families.append((ctx6, members6)) }
            plan.mwan3 = PackagePlan(sections: mwan3Sections + memberSections + ruleSections, memberships: memberships(families))
        }
        let wanInterfaces = Set(context4?.wanMembers.map(\.interface) ?? [])
        let serving = settings.enabled && cfg.offer.enabled && cfg.offer.privateKey != nil
        if serving {
            plan.network.sections += serverSections(cfg.offer, grants: cfg.grants, ipv6: settings.ipv6)
        }
        if let fw = input.firewall {
            var sections = firewallSections(networks: zoneNetworks, masq6: !withIPv6.isEmpty, firewall: fw, wanInterfaces: wanInterfaces)
            if serving { sections += serverFirewallSections(fw, wanInterfaces: wanInterfaces, pool6: settings.ipv6 ? cfg.offer.pool6 : nil) }
            plan.firewall = PackagePlan(sections: sections)
        }
        return plan
    }

    /// The uplink server on OpenWrt: its netifd interface and one peer per granted consumer.
    /// With `ipv6` the server also has its pool6 address and each consumer its IPv6 /128.
    static func serverSections(_ o: OfferConfig, grants: [GrantConfig], ipv6: Bool = false) -> [DesiredSection] {
        let dev = OfferConfig.serverDevice
        var out = [DesiredSection(UCISection(type: "interface", name: dev, options: [
            UCIOption("proto", "wireguard"),
            UCIOption("private_key", o.privateKey!.base64),
            UCIOption("listen_port", String(o.listenPort)),
            UCIOption("addresses", list: ["\(o.serverAddress)/\(o.pool.length)"] + (ipv6 ? ["\(o.serverAddress6)/\(o.pool6.length)"] : [])),
            UCIOption("mtu", String(o.mtu)),
            Ownership.marker,
        ]), .end)]
        for g in grants {
            out.append(DesiredSection(UCISection(type: "wireguard_\(dev)", name: g.sectionName, options: [
                UCIOption("description", "wireguard-uplink consumer: \(g.consumer.rawValue)"),
                UCIOption("public_key", g.publicKey.base64),
                UCIOption("allowed_ips", list: ["\(g.address)/32"] + (ipv6 ? o.address6(for: g.address).map { ["\($0)/128"] } ?? [] : [])),
                Ownership.marker,
            ]), .end))
        }
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

    /// The uplink's WireGuard interface and peer. With an IPv6 side the IPv6 addresses live on
    /// that side's interface (`ipv6NetworkSection`), not here.
    static func networkSections(_ u: UplinkConfig, metric: Int, settings: Settings, ipv6Side: Bool) -> [DesiredSection] {
        var iface: [UCIOption] = [
            UCIOption("proto", "wireguard"),
            UCIOption("private_key", u.privateKey.base64),
        ]
        let addresses = ipv6Side ? u.addresses.filter(\.address.isV4) : u.addresses
        if !addresses.isEmpty { iface.append(UCIOption("addresses", list: addresses.map(\.description))) }
        iface += [
            UCIOption("metric", String(metric)),
            UCIOption("nohostroute", "1"),
            UCIOption("mtu", String(u.mtu ?? settings.mtu)),
        ]
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

    /// Whether the endpoint lies in one of the underlay prefixes; a link-local endpoint with its
    /// link (`fe80::1%mesh0`) is on a directly connected network.
    static func onUnderlay(_ e: Endpoint, underlay: [IPPrefix], resolved: [String: IPAddress]) -> Bool {
        guard let addr = e.address ?? resolved[e.host] else { return false }
        if addr.isLinkLocalV6 && e.zone != nil { return true }
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
}
