/// The kernel's policy rules (`ip -j rule show`) as the Linux backend reads them: whether its
/// own two rules are in place, what else sits at their priorities, and full tunnels of other
/// tools (wg-quick's `not fwmark M lookup M`) it must coexist with.
///
/// The backend's rules exist only while it diverts traffic (failed over to an uplink, or on a
/// WAN that is not the main table's default route). On the main table's own default path
/// they are absent, so wg-quick, user rules and everything after priority 22001 apply exactly
/// as they would without wireguard-uplink.
public struct PolicyRules: Equatable, Sendable {
    public struct Rule: Equatable, Sendable {
        public var priority: Int
        public var text: String
    }

    /// Priorities of ours that are in place.
    public var ours: Set<Int> = []
    /// Rules of someone else at one of our priorities: with them there, ours cannot be added.
    public var foreign: [Rule] = []
    /// Rules that send everything unmarked to another table (a wg-quick full tunnel).
    public var fullTunnels: [Rule] = []

    public init() {}

    public init(parsing json: JSONValue) {
        for r in json.arrayValue ?? [] {
            guard let p = r["priority"]?.intValue.map(Int.init) else { continue }
            let table = r["table"]?.stringValue ?? ""
            let mark = r["fwmark"]?.stringValue
            let negated = r["not"] != nil
            let suppress = r["suppress_prefixlen"]?.intValue ?? r["suppress_prefixlength"]?.intValue
            let text = Self.describe(r)
            if p == LinuxPlan.suppressPriority || p == LinuxPlan.rulePriority {
                let mine = p == LinuxPlan.suppressPriority
                    ? table == "main" && suppress == 0 && mark == nil && !negated && Self.fromAll(r)
                    : table == String(LinuxPlan.table) && negated && mark.flatMap(Self.number) == LinuxPlan.fwmark && Self.fromAll(r)
                if mine { ours.insert(p) } else { foreign.append(Rule(priority: p, text: text)) }
            } else if negated, mark != nil, !["main", "local", "default", ""].contains(table), Self.fromAll(r) {
                fullTunnels.append(Rule(priority: p, text: text))
            }
        }
    }

    public var complete: Bool { ours == [LinuxPlan.suppressPriority, LinuxPlan.rulePriority] }

    /// Words for the log when a foreign rule blocks ours.
    public var conflict: String? {
        guard !foreign.isEmpty else { return nil }
        let list = foreign.map { "\($0.priority): \($0.text)" }.joined(separator: "; ")
        return "ip rule priorities \(LinuxPlan.suppressPriority) and \(LinuxPlan.rulePriority) are wireguard-uplink's, but another rule is there (\(list)): failover to an uplink cannot be enforced until it is moved (ip rule del priority N, then add it at another priority)"
    }

    static func fromAll(_ r: JSONValue) -> Bool {
        (r["src"]?.stringValue ?? "all") == "all" && r["dst"] == nil && r["iif"] == nil && r["oif"] == nil
    }

    static func number(_ s: String) -> UInt32? {
        let t = s.split(separator: "/").first.map(String.init) ?? s
        return t.hasPrefix("0x") ? UInt32(t.dropFirst(2), radix: 16) : UInt32(t)
    }

    static func describe(_ r: JSONValue) -> String {
        var parts: [String] = []
        if r["not"] != nil { parts.append("not") }
        parts.append("from \(r["src"]?.stringValue ?? "all")")
        if let d = r["dst"]?.stringValue { parts.append("to \(d)") }
        if let m = r["fwmark"]?.stringValue { parts.append("fwmark \(m)") }
        if let i = r["iif"]?.stringValue { parts.append("iif \(i)") }
        if let o = r["oif"]?.stringValue { parts.append("oif \(o)") }
        if let t = r["table"]?.stringValue { parts.append("lookup \(t)") }
        if let s = r["suppress_prefixlen"]?.intValue { parts.append("suppress_prefixlength \(s)") }
        return parts.joined(separator: " ")
    }

    /// Whether the backend must divert traffic to reach `device`: always for an uplink; for a
    /// WAN only when the main table's default route goes elsewhere.
    public static func mustDivert(uplink: Bool, device: String, mainDefault: String?) -> Bool {
        uplink || device != mainDefault
    }
}
