import UCI

/// What the user's mwan3 config says that the planner needs, for one family: the policy that
/// carries that family's default traffic (the stock config's `default_rule_v4` and
/// `default_rule_v6`), the WAN members of that family in it, and rules that would bypass the
/// uplinks.
public struct Mwan3Context: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var name: String
        public var interface: String
        public var metric: Int
        public var weight: Int
        public var enabled: Bool
    }

    public var family: AddressFamily
    public var policy: String
    /// The rule that routes the family's default traffic to `policy` (nil when the policy was set explicitly).
    public var defaultRule: String?
    public var wanMembers: [Member]
    public var warnings: [String]

    public static let specialPolicies: Set<String> = ["default", "unreachable", "blackhole"]

    public init(mwan3: UCIPackage, settings: Settings, family: AddressFamily = .ipv4, isOwned: (UCISection) -> Bool) throws(UplinkError) {
        var warnings: [String] = []
        let rules = mwan3.sections.filter { $0.type == "rule" && !isOwned($0) }
        var chosenRule: String? = nil
        var chosenIndex = rules.count
        let policyName: String
        if !settings.mwan3Policy.isEmpty {
            guard mwan3.sections.contains(where: { $0.type == "policy" && $0.name == settings.mwan3Policy }) else {
                throw UplinkError(.configError, "option mwan3_policy names '\(settings.mwan3Policy)', but /etc/config/mwan3 has no such policy")
            }
            policyName = settings.mwan3Policy
        } else {
            guard let idx = rules.firstIndex(where: { Self.carriesDefault($0, family: family) }), let p = rules[idx]["use_policy"] else {
                let stock = family == .ipv4 ? "'default_rule_v4' with dest_ip 0.0.0.0/0" : "'default_rule_v6' with dest_ip ::/0 and family ipv6"
                throw UplinkError(.configError,
                    "/etc/config/mwan3 has no rule for \(family.label) default traffic (like the stock \(stock)); add one or set option mwan3_policy")
            }
            let rule = rules[idx]
            guard mwan3.sections.contains(where: { $0.type == "policy" && $0.name == p }) else {
                throw UplinkError(.configError, "mwan3 rule '\(rule.name ?? "?")' uses policy '\(p)', which does not exist")
            }
            policyName = p
            chosenRule = rule.name ?? "@rule"
            chosenIndex = idx
        }
        // Rules matched before the default rule that send traffic elsewhere keep it off the uplinks.
        for rule in rules[..<chosenIndex] {
            guard let p = rule["use_policy"], p != policyName, !Self.specialPolicies.contains(p) else { continue }
            warnings.append("mwan3 rule '\(rule.name ?? "anonymous")' sends its traffic to policy '\(p)', which has no uplink: that traffic will not fail over")
        }
        let policy = mwan3.sections.first { $0.type == "policy" && $0.name == policyName }!
        var members: [Member] = []
        for m in policy.list("use_member") {
            guard let ms = mwan3.section(named: m), ms.type == "member", !isOwned(ms), let iface = ms["interface"] else { continue }
            // members of this family only: an mwan3 interface carries one family
            guard (mwan3.section(named: iface)?["family"] ?? "ipv4") == family.rawValue else { continue }
            let metric = ms["metric"].flatMap { Int($0) } ?? 1
            let weight = ms["weight"].flatMap { Int($0) } ?? 1
            let enabled = mwan3.section(named: iface)?["enabled"] == "1"
            members.append(Member(name: m, interface: iface, metric: metric, weight: weight, enabled: enabled))
        }
        if !members.contains(where: \.enabled) {
            warnings.append("mwan3 policy '\(policyName)' has no \(family.label) WAN member: uplinks will carry all \(family.label) traffic")
        }
        self.family = family
        self.policy = policyName
        self.defaultRule = chosenRule
        self.wanMembers = members
        self.warnings = warnings
    }

    /// A catch-all rule for `family`: no protocol, port, source or ipset condition, covering
    /// 0.0.0.0/0 (or ::/0).
    static func carriesDefault(_ r: UCISection, family: AddressFamily) -> Bool {
        guard let p = r["use_policy"], !p.isEmpty, !specialPolicies.contains(p) else { return false }
        let ruleFamily = r["family"] ?? "any"
        guard ruleFamily == "any" || ruleFamily == family.rawValue else { return false }
        if let d = r["dest_ip"], d != (family == .ipv4 ? "0.0.0.0/0" : "::/0") { return false }
        if let proto = r["proto"], proto != "all" { return false }
        for o in ["src_ip", "src_port", "dest_port", "ipset", "src_iface"] where r[o] != nil { return false }
        return true
    }

    /// Highest metric of a WAN member in the policy (uplinks go after it).
    public var highestWANMetric: Int { wanMembers.map(\.metric).max() ?? 0 }

    /// mwan3's mark for "route by the main table, skip the policies" (MMX_DEFAULT, which mwan3
    /// sets equal to `globals.mmx_mask`, default 0x3F00); mwan3track marks its probes with it.
    public static func defaultRoutingMark(_ mwan3: UCIPackage?) -> UInt32 {
        let fallback: UInt32 = 0x3F00
        guard let v = mwan3?.sections.first(where: { $0.type == "globals" })?["mmx_mask"] else { return fallback }
        let hex = v.lowercased().hasPrefix("0x") ? String(v.dropFirst(2)) : v
        guard let m = UInt32(hex, radix: 16), m != 0 else { return fallback }
        return m
    }
}
