import UCI

/// mwan3 sections of an uplink, one family at a time: mwan3 tracks one family per interface,
/// so an uplink with an IPv6 side has an IPv4 interface (`wu_…`) and an IPv6 one (`w6_…`),
/// each with its member in the policy of its family's default rule.
extension Planner {
    /// The uplinks' fallback tracking for one family (nil: the settings hold no target of it).
    static func tracking(_ family: AddressFamily, settings: Settings) -> Mwan3Tracking? {
        let targets = settings.trackTargets(family)
        return targets.isEmpty ? nil : Mwan3Tracking.uplinkFallback(targets: targets.count)
    }

    static func untrackedWarning(_ family: AddressFamily) -> String {
        "option track_ip holds no \(family.label) address: mwan3 does not track the uplinks' \(family.label) interfaces (only the daemon takes them down); add \(family.label) targets with list track_ip"
    }

    /// Our mwan3 interface for one family of an uplink. Without track targets of the family
    /// mwan3 runs no tracker for it, and an `initial_state 'offline'` interface would then never
    /// come online: such an interface starts online and only the daemon takes it down.
    static func mwan3Interface(_ name: String, family: AddressFamily, tracking: Mwan3Tracking?, settings: Settings) -> UCISection {
        var options = [UCIOption("enabled", "1"), UCIOption("family", family.rawValue)]
        if let tracking {
            options.append(UCIOption("initial_state", "offline"))
            options += tracking.options(trackIPs: settings.trackTargets(family).map(\.description))
        }
        return UCISection(type: "interface", name: name, options: options + [Ownership.marker])
    }

    static func mwan3Member(interface: String, metric: Int, weight: Int) -> UCISection {
        UCISection(type: "member", name: InterfaceNaming.memberName(interface: interface), options: [
            UCIOption("interface", interface),
            UCIOption("metric", String(metric)),
            UCIOption("weight", String(weight)),
            Ownership.marker,
        ])
    }

    /// The context of IPv6 default traffic, nil (with a warning saying what to add) when the
    /// user's mwan3 has no rule for it and no mwan3_policy is set: IPv4 is planned regardless.
    static func ipv6Context(_ mwan3: UCIPackage, settings: Settings, warnings: inout [String]) throws(UplinkError) -> Mwan3Context? {
        if settings.mwan3Policy.isEmpty,
           !mwan3.sections.contains(where: { $0.type == "rule" && !Ownership.isOwned($0) && Mwan3Context.carriesDefault($0, family: .ipv6) }) {
            warnings.append("option ipv6 is on, but /etc/config/mwan3 has no rule for IPv6 default traffic, so mwan3 cannot move IPv6 to the uplinks; add one like the stock 'default_rule_v6' (option dest_ip '::/0', option family 'ipv6', option use_policy naming your default policy) or set option mwan3_policy; until then IPv6 follows the main routing table")
            return nil
        }
        return try Mwan3Context(mwan3: mwan3, settings: settings, family: .ipv6, isOwned: Ownership.isOwned)
    }

    /// Our members per policy: both families in one policy when their default rules share it
    /// (IPv4 members first), else each family's members in its own policy.
    static func memberships(_ families: [(context: Mwan3Context, members: [String])]) -> [PolicyMembership] {
        var out: [PolicyMembership] = []
        for (ctx, members) in families {
            if let i = out.firstIndex(where: { $0.policy == ctx.policy }) {
                out[i].members += members
            } else {
                out.append(PolicyMembership(policy: ctx.policy, members: members))
            }
        }
        return out
    }

    /// How long mwan3 alone needs to notice each WAN dying, with advice where that exceeds
    /// failover_timeout.
    static func wanDetection(_ mwan3: UCIPackage, contexts: [Mwan3Context], settings: Settings, plan: inout Plan) {
        var wanTracking: [String: Mwan3Tracking] = [:]
        for member in contexts.flatMap(\.wanMembers) where member.enabled {
            if let iface = mwan3.section(named: member.interface), iface.type == "interface", iface.has("track_ip") {
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
    }

    /// Keeps the uplink's own UDP on the main table, ahead of every user rule. A link-local
    /// endpoint (`fe80::1%mesh0`) matches by its address: a rule's dest_ip takes no scope.
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
}
