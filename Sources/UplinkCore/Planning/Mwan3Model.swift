import UCI

/// mwan3's routing decision, modelled from its sources (2.11/2.12): a packet is matched
/// against the rules first to last; the first matching rule's policy sends it to the online
/// members with the lowest metric (shared by weight), or to `last_resort` when none is
/// online. `default` means the main routing table. Used by tests and by `status`.
public struct Mwan3Model: Sendable {
    public struct Packet: Sendable {
        public var family: Int // 4 or 6
        public var proto: String // "udp", "tcp", "icmp"
        public var destination: IPAddress
        public var destinationPort: Int?

        public init(proto: String, destination: IPAddress, destinationPort: Int? = nil) {
            self.family = destination.isV4 ? 4 : 6
            self.proto = proto
            self.destination = destination
            self.destinationPort = destinationPort
        }
    }

    public enum Decision: Equatable, Sendable {
        /// Interfaces sharing the traffic (one unless weights split it).
        case interfaces([String])
        /// The main routing table (policy `default`, last_resort `default`, or no rule matched).
        case mainTable
        case unreachable
        case blackhole
    }

    public let package: UCIPackage

    public init(_ package: UCIPackage) { self.package = package }

    /// The first rule matching the packet (its section name, or `@rule[i]`), nil for none.
    public func matchingRule(_ p: Packet) -> UCISection? {
        package.sections.first { $0.type == "rule" && matches($0, p) && ($0["use_policy"] ?? "").isEmpty == false }
    }

    public func decide(_ p: Packet, online: Set<String>) -> Decision {
        guard let rule = matchingRule(p), let policy = rule["use_policy"] else { return .mainTable }
        switch policy {
        case "default": return .mainTable
        case "unreachable": return .unreachable
        case "blackhole": return .blackhole
        default: break
        }
        guard let pol = package.sections.first(where: { $0.type == "policy" && $0.name == policy }) else { return .unreachable }
        var best: Int? = nil
        var chosen: [String] = []
        for m in pol.list("use_member") {
            guard let member = package.section(named: m), member.type == "member", let iface = member["interface"] else { continue }
            guard let ifs = package.section(named: iface), ifs.type == "interface", ifs["enabled"] == "1" else { continue }
            let family = ifs["family"] ?? "ipv4"
            guard (family == "ipv4" ? 4 : 6) == p.family else { continue }
            let metric = member["metric"].flatMap { Int($0) } ?? 1
            guard metric <= 256, online.contains(iface) else { continue }
            if best == nil || metric < best! {
                best = metric
                chosen = [iface]
            } else if metric == best! {
                chosen.append(iface)
            }
        }
        if !chosen.isEmpty { return .interfaces(chosen) }
        switch pol["last_resort"] ?? "unreachable" {
        case "default": return .mainTable
        case "blackhole": return .blackhole
        default: return .unreachable
        }
    }

    func matches(_ r: UCISection, _ p: Packet) -> Bool {
        let family = r["family"] ?? "any"
        if family == "ipv4" && p.family != 4 { return false }
        if family == "ipv6" && p.family != 6 { return false }
        if let proto = r["proto"], proto != "all", proto != p.proto { return false }
        if let dest = r["dest_ip"] {
            let hits = dest.split(separator: ",").contains { item in
                guard let prefix = IPPrefix(item) else { return false }
                return prefix.contains(p.destination)
            }
            // An address of the other family makes mwan3 skip the rule for this family.
            if !hits { return false }
        }
        if let ports = r["dest_port"], r["proto"] == "tcp" || r["proto"] == "udp" {
            guard let port = p.destinationPort, Self.portList(ports, contains: port) else { return false }
        }
        if r["src_ip"] != nil || r["src_port"] != nil || r["ipset"] != nil || r["src_iface"] != nil {
            return false // the model sends traffic from the router's LAN without such conditions
        }
        return true
    }

    static func portList(_ spec: String, contains port: Int) -> Bool {
        spec.split(separator: ",").contains { item in
            let parts = item.split(separator: ":").compactMap { Int($0) }
            if parts.count == 2 { return (parts[0]...parts[1]).contains(port) }
            return parts.first == port
        }
    }
}
