#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// Applies a `LinuxPlan` with iproute2, wg, wireguard-go and nft, idempotently, and moves
/// the default route. Only the daemon calls this (the CLI never touches the kernel).
public struct LinuxKernel: Sendable {
    public init() {}

    public enum DefaultPath: Equatable, Sendable {
        case wan(device: String, gateway: String?)
        case uplink(device: String)
        /// No path carries the family: the router answers at once that there is no route
        /// (ICMP unreachable), so clients give up on it in a round trip instead of a timeout.
        case unreachable
    }

    /// `ip` for one family (`ip -6 ...` for IPv6).
    public static func ipArgs(_ family: AddressFamily, _ args: [String]) -> [String] {
        family == .ipv4 ? args : ["-6"] + args
    }

    /// Creates, configures and removes uplink devices; installs rules and the nft table.
    public func ensure(_ plan: LinuxPlan) throws(UplinkError) -> [String] {
        var notes: [String] = []
        let existing = try wireguardDevices()
        for link in plan.links {
            if link.adopted {
                // the administrator's device: its UDP keeps to the route it has now
                try pinEndpoint(link)
                continue
            }
            if !existing.contains(link.device) {
                notes.append(try create(link.device))
            }
            try configure(link)
        }
        if let server = plan.server {
            if !existing.contains(server.device) { notes.append(try create(server.device)) }
            try configureServer(server)
            // a provider forwards its consumers' traffic
            if let b = try? Files.read("/proc/sys/net/ipv4/ip_forward", limit: 8), b.first != UInt8(ascii: "1") {
                _ = try? Files.writeInPlace("/proc/sys/net/ipv4/ip_forward", Array("1\n".utf8))
                notes.append("enabled IPv4 forwarding")
            }
        }
        unpinStale(keeping: plan)
        for dev in existing where dev.hasPrefix(LinuxPlan.devicePrefix) && !plan.links.contains(where: { $0.device == dev })
            && plan.server?.device != dev {
            _ = try? Command.run("ip", ["link", "del", "dev", dev])
            notes.append("removed \(dev)")
        }
        // the policy rules come and go with diverting (setDefault), not with the devices
        try Command.check("nft", ["-f", "-"], stdin: Array(("table inet \(LinuxPlan.nftTable) {}\ndelete table inet \(LinuxPlan.nftTable)\n" + plan.nftRuleset).utf8))
        return notes
    }

    /// Removes everything the Linux backend installed: its two rules (only if they are its
    /// own), its table, its endpoint pins, its nft table and its devices. What it did is
    /// returned for the log.
    @discardableResult
    public func teardown() -> [String] {
        var done: [String] = []
        for f in AddressFamily.allCases {
            done += removeRules(family: f)
            let had = f == .ipv6 && routesIn(table: LinuxPlan.table, family: f) > 0
            if (try? Command.run("ip", Self.ipArgs(f, ["route", "flush", "table", String(LinuxPlan.table)])))?.ok == true,
               f == .ipv4 || had {
                done.append(f == .ipv4 ? "table \(LinuxPlan.table)" : "IPv6 table \(LinuxPlan.table)")
            }
            _ = try? Command.run("ip", Self.ipArgs(f, ["route", "flush", "table", "main", "proto", String(LinuxPlan.routeProtocol)]))
        }
        if (try? Command.run("nft", ["delete", "table", "inet", LinuxPlan.nftTable]))?.ok == true { done.append("nft table \(LinuxPlan.nftTable)") }
        for dev in (try? wireguardDevices()) ?? [] where dev.hasPrefix(LinuxPlan.devicePrefix) {
            if (try? Command.run("ip", ["link", "del", "dev", dev]))?.ok == true { done.append(dev) }
        }
        return done
    }

    func routesIn(table: Int, family: AddressFamily) -> Int {
        guard let r = try? Command.run("ip", Self.ipArgs(family, ["-j", "route", "show", "table", String(table)])), r.ok else { return 0 }
        return (try? JSON.parse(r.output))?.arrayValue?.count ?? 0
    }

    /// The policy rules of one family as the kernel has them now.
    public func rules(family: AddressFamily = .ipv4) throws(UplinkError) -> PolicyRules {
        let r = try Command.check("ip", Self.ipArgs(family, ["-j", "rule", "show"]))
        return PolicyRules(parsing: (try? JSON.parse(r.output)) ?? .array([]))
    }

    static let suppressRule = ["priority", String(LinuxPlan.suppressPriority), "lookup", "main", "suppress_prefixlength", "0"]
    static let divertRule = ["priority", String(LinuxPlan.rulePriority), "not", "fwmark", String(LinuxPlan.fwmark), "lookup", String(LinuxPlan.table)]

    /// Deletes our two rules of a family, by their full description: a foreign rule at the
    /// same priority stays.
    @discardableResult
    public func removeRules(family: AddressFamily = .ipv4) -> [String] {
        var done: [String] = []
        for (p, rule) in [(LinuxPlan.rulePriority, Self.divertRule), (LinuxPlan.suppressPriority, Self.suppressRule)] {
            while (try? Command.run("ip", Self.ipArgs(family, ["rule", "del"] + rule)))?.ok == true {
                done.append(family == .ipv4 ? "rule \(p)" : "IPv6 rule \(p)")
            }
        }
        return done
    }

    /// Devices of type wireguard (kernel) or tun devices run by wireguard-go with our prefix.
    func wireguardDevices() throws(UplinkError) -> [String] {
        let r = try Command.check("ip", ["-j", "link", "show"])
        guard let items = (try? JSON.parse(r.output))?.arrayValue else { return [] }
        return items.compactMap { $0["ifname"]?.stringValue }.filter { $0.hasPrefix(LinuxPlan.devicePrefix) }
    }

    func create(_ dev: String) throws(UplinkError) -> String {
        let k = try Command.run("ip", ["link", "add", "dev", dev, "type", "wireguard"])
        if k.ok { return "created \(dev) (kernel WireGuard)" }
        guard Command.find("wireguard-go") != nil else {
            throw UplinkError(.unsupported, "cannot create \(dev): the kernel has no WireGuard (\(k.errorText)) and wireguard-go is not installed")
        }
        try Command.check("wireguard-go", [dev], timeout: 10)
        let deadline = Clock.monotonic() + 5
        while Clock.monotonic() < deadline {
            if (try? Command.run("wg", ["show", dev]))?.ok == true { return "created \(dev) (wireguard-go)" }
            Clock.sleep(0.02)
        }
        throw UplinkError(.commandFailed, "wireguard-go started but \(dev) did not appear")
    }

    func configure(_ l: LinuxPlan.Link) throws(UplinkError) {
        let dump = try? WireGuardDump(parsing: try Command.check("wg", ["show", l.device, "dump"]).output)
        var args = ["set", l.device, "private-key", "/dev/stdin", "fwmark", String(LinuxPlan.fwmark)]
        for p in dump?.peers ?? [] where p.publicKey != l.peerKey.base64 {
            args += ["peer", p.publicKey, "remove"]
        }
        args += ["peer", l.peerKey.base64, "endpoint", l.endpoint.description, "allowed-ips", l.allowedIPs.joined(separator: ","),
                 "persistent-keepalive", l.keepalive > 0 ? String(l.keepalive) : "off"]
        try Command.check("wg", args, stdin: Array((l.privateKey.base64 + "\n").utf8))
        for a in l.addresses {
            // no duplicate address detection on a point-to-point tunnel
            try Command.check("ip", ["address", "replace", a.description, "dev", l.device] + (a.address.isV4 ? [] : ["nodad"]))
        }
        try Command.check("ip", ["link", "set", "dev", l.device, "mtu", String(l.mtu), "up"])
        if l.carriesIPv6 {
            try Command.check("ip", ["-6", "route", "replace", "default", "dev", l.device, "metric", String(l.ipv6StandbyMetric),
                                     "table", "main", "proto", String(LinuxPlan.routeProtocol)])
        } else {
            _ = try? Command.run("ip", ["-6", "route", "del", "default", "dev", l.device, "table", "main", "proto", String(LinuxPlan.routeProtocol)])
        }
        try pinEndpoint(l)
    }

    /// The uplink server: its key and port, exactly the granted consumers as peers (each
    /// limited to its own address), its address; its UDP is marked like the uplinks'.
    func configureServer(_ srv: LinuxPlan.Server) throws(UplinkError) {
        let dump = try? WireGuardDump(parsing: try Command.check("wg", ["show", srv.device, "dump"]).output)
        var args = ["set", srv.device, "private-key", "/dev/stdin", "listen-port", String(srv.listenPort), "fwmark", String(LinuxPlan.fwmark)]
        let wanted = Set(srv.consumers.map(\.key.base64))
        for p in dump?.peers ?? [] where !wanted.contains(p.publicKey) { args += ["peer", p.publicKey, "remove"] }
        for c in srv.consumers {
            let allowed = ["\(c.address)/32"] + (srv.address6 != nil ? c.address6.map { ["\($0)/128"] } ?? [] : [])
            args += ["peer", c.key.base64, "allowed-ips", allowed.joined(separator: ",")]
        }
        try Command.check("wg", args, stdin: Array((srv.privateKey.base64 + "\n").utf8))
        try Command.check("ip", ["address", "replace", srv.address.description, "dev", srv.device])
        if let a6 = srv.address6 {
            // consumers' IPv6 leaves through the WAN (NAT66 by the nft table's masquerade) when
            // IPv6 forwarding is on; it is not switched on here (see ipv6Forwarding)
            try Command.check("ip", ["address", "replace", a6.description, "dev", srv.device, "nodad"])
        }
        try Command.check("ip", ["link", "set", "dev", srv.device, "mtu", String(srv.mtu), "up"])
    }

    /// Whether this router forwards IPv6. Not switched on by us: on a WAN configured by
    /// router adverts (accept_ra 1) it would stop accepting them and lose its IPv6 default
    /// route; a provider offers IPv6 only where the administrator turned forwarding on.
    public static func ipv6Forwarding() -> Bool {
        (try? Files.read("/proc/sys/net/ipv6/conf/all/forwarding", limit: 8))??.first == UInt8(ascii: "1")
    }

    /// Authorises one consumer at once (the config write that follows makes it permanent).
    public func authorize(server device: String, key: WireGuardKey, address: IPAddress, address6: IPAddress? = nil) throws(UplinkError) {
        let allowed = ["\(address)/32"] + (address6.map { ["\($0)/128"] } ?? [])
        try Command.check("wg", ["set", device, "peer", key.base64, "allowed-ips", allowed.joined(separator: ",")])
    }

    public func deauthorize(server device: String, key: WireGuardKey) {
        _ = try? Command.run("wg", ["set", device, "peer", key.base64, "remove"])
    }

    /// Drops and re-adds the uplink's peer: the stale session goes, so the next packet
    /// handshakes at once (a provider that restarted its server forgot the old session).
    public func restartPeer(_ l: LinuxPlan.Link) throws(UplinkError) {
        guard !l.adopted else { return }   // the administrator's peer is not ours to reset
        _ = try? Command.run("wg", ["set", l.device, "peer", l.peerKey.base64, "remove"])
        try configure(l)
    }

    /// Pins the endpoint to the route it has now if that is not a default route (the mesh
    /// underlay), so later routing changes cannot pull the uplink's UDP elsewhere. An adopted
    /// tunnel's UDP carries no mark of ours, so while the default route goes through it, only
    /// a pin keeps that UDP out of it: its endpoint is pinned even behind a default route.
    func pinEndpoint(_ l: LinuxPlan.Link) throws(UplinkError) {
        guard let ep = l.endpoint.address ?? Resolver.resolve(l.endpoint.host), ep.isV4 else { return }
        let r = try Command.run("ip", ["-j", "route", "get", ep.description, "mark", String(LinuxPlan.fwmark)])
        guard r.ok, let route = try? RouteInfo.parse(r.output).first, let dev = route.device,
              !dev.hasPrefix(LinuxPlan.devicePrefix), dev != l.device else { return }
        let shown = try Command.run("ip", ["-j", "route", "show", "match", ep.description, "table", "main"])
        let covering = (try? RouteInfo.parse(shown.output)) ?? []
        // directly connected or routed over the mesh: pin; only a default route: leave it
        guard l.adopted || covering.contains(where: { !$0.isDefault }) else { return }
        var args = ["route", "replace", ep.description + "/32"]
        if let gw = route.gateway { args += ["via", gw] }
        args += ["dev", dev, "table", "main", "proto", String(LinuxPlan.routeProtocol)]
        try Command.check("ip", args)
    }

    /// Drops our endpoint pins (IPv4 `proto 87` host routes in main) of uplinks no longer
    /// planned, so a removed uplink's endpoint follows the routing again before the daemon stops.
    func unpinStale(keeping plan: LinuxPlan) {
        let wanted = Set(plan.links.compactMap { ($0.endpoint.address ?? Resolver.resolve($0.endpoint.host))?.description })
        guard let r = try? Command.run("ip", ["-j", "route", "show", "table", "main", "proto", String(LinuxPlan.routeProtocol)]), r.ok else { return }
        for route in (try? RouteInfo.parse(r.output)) ?? [] where !route.isDefault {
            let host = route.destination.hasSuffix("/32") ? String(route.destination.dropLast(3)) : route.destination
            guard IPAddress(host)?.isV4 == true, !wanted.contains(host) else { continue }
            _ = try? Command.run("ip", ["route", "del", host + "/32", "table", "main", "proto", String(LinuxPlan.routeProtocol)])
        }
    }

    /// Adds whichever of our two rules is missing; refuses, in words, when a foreign rule
    /// holds one of their priorities (adding ours beside it would leave the order to chance).
    func ensureRules(family: AddressFamily) throws(UplinkError) {
        let now = try rules(family: family)
        if now.complete { return }
        if let conflict = now.conflict { throw UplinkError(.ruleConflict, family == .ipv4 ? conflict : "IPv6: " + conflict) }
        if !now.ours.contains(LinuxPlan.suppressPriority) { try Command.check("ip", Self.ipArgs(family, ["rule", "add"] + Self.suppressRule)) }
        if !now.ours.contains(LinuxPlan.rulePriority) { try Command.check("ip", Self.ipArgs(family, ["rule", "add"] + Self.divertRule)) }
    }

    /// Points the default route of our table at `path`; with `divert` our rules send all
    /// unmarked traffic there, without it they are removed and the main table (and every
    /// other rule) decides, as if wireguard-uplink were not installed.
    public func setDefault(_ path: DefaultPath, divert: Bool, family: AddressFamily = .ipv4) throws(UplinkError) {
        let table = String(LinuxPlan.table)
        switch path {
        case .uplink(let dev):
            try Command.check("ip", Self.ipArgs(family, ["route", "replace", "default", "dev", dev, "table", table]))
        case .wan(let dev, let gw):
            var args = ["route", "replace", "default"]
            if let gw { args += ["via", gw] }
            args += ["dev", dev, "table", table]
            // an IPv4 gateway may lie outside the WAN's prefix; IPv6 gateways are link-local.
            // Without a gateway (a point-to-point WAN: pppd's defaultroute, a raw-IP modem) the
            // kernel refuses onlink on a device route
            if family == .ipv4 && gw != nil { args.append("onlink") }
            try Command.check("ip", Self.ipArgs(family, args))
        case .unreachable:
            try Command.check("ip", Self.ipArgs(family, ["route", "replace", "unreachable", "default", "table", table]))
        }
        if divert { try ensureRules(family: family) } else { removeRules(family: family) }
    }


    /// The WAN device (configured, or the main table's default route) and its gateway. An
    /// uplink device (ours, or an adopted tunnel in `uplinks`) with a default route is no WAN.
    public func wans(configured: [String], family: AddressFamily = .ipv4, uplinks: Set<String> = []) -> [(device: String, gateway: String?)] {
        let r = try? Command.run("ip", Self.ipArgs(family, ["-j", "route", "show", "default", "table", "main"]))
        let routes = ((try? RouteInfo.parse(r?.output ?? "[]")) ?? []).filter {
            let dev = $0.device ?? ""
            return !dev.hasPrefix(LinuxPlan.devicePrefix) && !uplinks.contains(dev)
        }
        let devices = configured.isEmpty ? routes.compactMap(\.device) : configured
        var seen = Set<String>()
        return devices.filter { seen.insert($0).inserted }.map { dev in (dev, routes.first { $0.device == dev }?.gateway) }
    }

    /// The first address of a family on a device, not link-local (for conntrack cleanup of
    /// its NATed flows).
    public func address(of device: String, family: AddressFamily = .ipv4) -> String? {
        guard let r = try? Command.run("ip", ["-j", family == .ipv4 ? "-4" : "-6", "address", "show", "dev", device]), r.ok,
              let first = (try? JSON.parse(r.output))?.arrayValue?.first else { return nil }
        return first["addr_info"]?.arrayValue?.first { $0["scope"]?.stringValue != "link" }?["local"]?.stringValue
    }

    /// Deletes every tracked connection of a family (their next packet is tracked anew).
    @discardableResult
    public func flushConntrack(family: AddressFamily) -> Bool {
        guard Command.find("conntrack") != nil else { return false }
        return (try? Command.run("conntrack", ["-D", "-f", family.rawValue], timeout: 5))?.status == 0
    }

    /// Takes a family out of the backend's hands: its two rules and its table go.
    public func withdraw(family: AddressFamily) {
        removeRules(family: family)
        _ = try? Command.run("ip", Self.ipArgs(family, ["route", "flush", "table", String(LinuxPlan.table)]))
    }

    /// Deletes the connections NATed to `address`, so their next packet takes the new path.
    @discardableResult
    public func flushConntrack(replyDestination address: String) -> Bool {
        guard Command.find("conntrack") != nil else { return false }
        let family = address.contains(":") ? ["-f", "ipv6"] : []
        return (try? Command.run("conntrack", ["-D"] + family + ["--reply-dst", address], timeout: 5))?.status == 0
    }

    /// Every prefix configured on this machine's interfaces (`ip -j address show`), except on
    /// `skipping` devices; empty when it cannot be read.
    public func localPrefixes(skipping skip: (String) -> Bool = { _ in false }) -> [IPPrefix] {
        guard let r = try? Command.run("ip", ["-j", "address", "show"], timeout: 3), r.ok,
              let v = try? JSON.parse(r.output), let links = v.arrayValue else { return [] }
        var out: [IPPrefix] = []
        for l in links {
            guard let name = l["ifname"]?.stringValue, !skip(name) else { continue }
            for a in l["addr_info"]?.arrayValue ?? [] {
                guard let local = a["local"]?.stringValue, let ip = IPAddress(local),
                      let len = a["prefixlen"]?.intValue, len >= 0, len <= Int64(ip.bitCount) else { continue }
                out.append(IPPrefix(address: ip, length: Int(len)))
            }
        }
        return out
    }

    /// A WireGuard device's peers and counters without a process where the system allows:
    /// a userspace WireGuard's UAPI socket, kernel WireGuard's generic netlink; else (neither
    /// answers) `wg show DEV dump`.
    public func dump(_ device: String) -> WireGuardDump? {
        if let r = WireGuardUAPI.get(device) {
            guard var d = try? r.get() else { return nil }
            // the UAPI names only the private key: the public one as `wg show` would print it
            if let k = d.privateKey { d.publicKey = (try? Keys.publicKey(for: k).base64) ?? ""; d.privateKey = nil }
            return d
        }
        if let r = WireGuardGenl.get(device) { return try? r.get() }
        guard let r = try? Command.run("wg", ["show", device, "dump"], timeout: 3), r.ok else { return nil }
        return try? WireGuardDump(parsing: r.output)
    }

    /// nft counter values of our output chain: (outside tunnels, inside a tunnel) packets.
    public func udpCounters() -> (outside: Int, inside: Int)? {
        guard let r = try? Command.run("nft", ["-j", "list", "chain", "inet", LinuxPlan.nftTable, "output"]), r.ok,
              let v = try? JSON.parse(r.output), let items = v["nftables"]?.arrayValue else { return nil }
        var outside = 0, inside = 0
        for item in items {
            guard let rule = item["rule"], let comment = rule["comment"]?.stringValue else { continue }
            let packets = rule["expr"]?.arrayValue?.compactMap { $0["counter"]?["packets"]?.intValue }.first ?? 0
            if comment.contains("outside") { outside = Int(packets) } else if comment.contains("inside") { inside = Int(packets) }
        }
        return (outside, inside)
    }
}
