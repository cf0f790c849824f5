/// What the Linux backend makes of the configuration (no mwan3): one WireGuard device per
/// uplink whose own UDP carries a firewall mark, and wg-quick's routing technique: a rule
/// `lookup main suppress_prefixlength 0` (specific routes such as the mesh underlay keep
/// working) followed by `not fwmark MARK lookup TABLE`, where TABLE holds the one default
/// route the daemon moves between the WAN and the uplinks. Marked packets (every uplink's
/// UDP) skip that rule and use the main table, so they never enter a tunnel.
public struct LinuxPlan: Equatable, Sendable {
    public struct Link: Equatable, Sendable {
        public var device: String
        public var peer: PeerID
        public var privateKey: WireGuardKey
        public var peerKey: WireGuardKey
        public var endpoint: Endpoint
        public var allowedIPs: [String]
        public var keepalive: Int
        public var addresses: [IPPrefix]
        public var mtu: Int
        /// Metric of the uplink's IPv6 standby route in the main table (see `ipv6StandbyMetric`).
        public var slot: Int = 1

        /// IPv6 has no "assume the destination is on link" for a socket bound to a device with
        /// no route through it (IPv4 has): the probes of an IPv6 uplink on standby need a route
        /// through its device. Each such uplink gets `default dev DEV metric M proto 87` in the
        /// main table, below every ordinary default route (as netifd's route_allowed_ips does
        /// on OpenWrt); while the backend diverts, `suppress_prefixlength 0` ignores it.
        public var ipv6StandbyMetric: Int { LinuxPlan.ipv6StandbyMetricBase + slot }
        /// Option ipv6 on and an IPv6 address: the uplink carries IPv6.
        public var carriesIPv6 = false
        /// The administrator's device (an adopted uplink): never created, configured or
        /// removed here; only routed through and masqueraded.
        public var adopted = false
        /// An adopted tunnel's own routes (site to site): not masqueraded.
        public var tunnelRoutes: [IPPrefix] = []
    }

    public static let ipv6StandbyMetricBase = 1_048_576

    public static let fwmark: UInt32 = 0x5755_0000
    public static let table = 22357
    public static let suppressPriority = 22000
    public static let rulePriority = 22001
    public static let nftTable = "wireguard_uplink"
    /// Route protocol of the endpoint pins in the main table (`ip route ... proto 87`), so
    /// teardown removes exactly those.
    public static let routeProtocol = 87
    public static let devicePrefix = InterfaceNaming.prefix

    /// The uplink server while this router offers its WAN.
    public struct Server: Equatable, Sendable {
        public var device: String
        public var privateKey: WireGuardKey
        public var listenPort: Int
        public var address: IPPrefix
        public var mtu: Int
        public var consumers: [(key: WireGuardKey, address: IPAddress, address6: IPAddress?)]
        /// The server's IPv6 address in its pool6 (option ipv6): consumers get IPv6 too.
        public var address6: IPPrefix? = nil
        /// Per-consumer cap, kbytes/s (0: none).
        public var rateLimitKBps: Int

        public static func == (a: Server, b: Server) -> Bool {
            a.device == b.device && a.privateKey == b.privateKey && a.listenPort == b.listenPort && a.address == b.address
                && a.mtu == b.mtu && a.rateLimitKBps == b.rateLimitKBps
                && a.consumers.map(\.key) == b.consumers.map(\.key) && a.consumers.map(\.address) == b.consumers.map(\.address)
                && a.consumers.map(\.address6) == b.consumers.map(\.address6) && a.address6 == b.address6
        }
    }

    public var links: [Link]
    public var server: Server?

    public init(configuration cfg: UplinkConfiguration) {
        let s = cfg.settings
        let active = s.enabled ? cfg.uplinks.filter(\.usable) : []
        links = active.map { u in
            Link(device: u.device, peer: u.peer, privateKey: u.privateKey, peerKey: u.publicKey, endpoint: u.endpoint,
                 allowedIPs: s.ipv6 ? ["0.0.0.0/0", "::/0"] : ["0.0.0.0/0"], keepalive: s.keepalive,
                 addresses: u.addresses, mtu: u.mtu ?? s.mtu, slot: u.slot,
                 carriesIPv6: s.ipv6 && !u.adopted && u.addresses.contains { !$0.address.isV4 }, adopted: u.adopted,
                 tunnelRoutes: u.tunnelRoutes)
        }
        let o = cfg.offer
        if s.enabled && o.enabled, let key = o.privateKey {
            server = Server(device: OfferConfig.serverDevice, privateKey: key, listenPort: o.listenPort,
                            address: IPPrefix(address: o.serverAddress, length: o.pool.length), mtu: o.mtu,
                            consumers: cfg.grants.map { ($0.publicKey, $0.address, s.ipv6 ? o.address6(for: $0.address) : nil) },
                            rateLimitKBps: o.rateLimitMbit * 125)
            if s.ipv6 { server?.address6 = IPPrefix(address: o.serverAddress6, length: o.pool6.length) }
        }
    }

    /// The nftables table we own: masquerade out of every uplink, and two counters that prove
    /// the uplinks' own UDP leaves marked (outside the tunnels) and never inside one.
    public var nftRuleset: String {
        let ports = Set(links.map(\.endpoint.port)).sorted().map(String.init).joined(separator: ", ")
        let srv = OfferConfig.serverDevice
        var lines = [
            "table inet \(Self.nftTable) {",
            "\tchain postrouting {",
            "\t\ttype nat hook postrouting priority srcnat; policy accept;",
            "\t\toifname \"\(Self.devicePrefix)*\" oifname != \"\(srv)\" masquerade",
        ]
        // an adopted tunnel: the provider routes only the tunnel's own address, except what the
        // tunnel carried before adoption (site to site), which keeps its source
        for l in links where l.adopted {
            let keep = l.tunnelRoutes.isEmpty ? "" : " ip daddr != { \(l.tunnelRoutes.map(\.description).joined(separator: ", ")) }"
            lines.append("\t\toifname \"\(l.device)\"\(keep) masquerade")
        }
        if server != nil {
            // consumers leave through this router's WAN with its address
            lines.append("\t\tiifname \"\(srv)\" oifname != \"\(Self.devicePrefix)*\" masquerade")
        }
        lines += [
            "\t}",
            "\tchain output {",
            "\t\ttype filter hook output priority filter; policy accept;",
            "\t\tmeta mark \(hex(Self.fwmark)) counter comment \"uplink UDP outside the tunnels\"",
        ]
        if !ports.isEmpty {
            lines.append("\t\toifname \"\(Self.devicePrefix)*\" udp dport { \(ports) } counter comment \"uplink UDP inside a tunnel\"")
        }
        lines.append("\t}")
        if let server {
            lines += [
                "\tchain forward {",
                "\t\ttype filter hook forward priority filter - 1; policy accept;",
                // never hand a consumer's traffic to one of our own uplinks (no chains of uplinks)
                "\t\tiifname \"\(srv)\" oifname \"\(Self.devicePrefix)*\" counter drop comment \"consumer into an uplink\"",
            ]
            if server.rateLimitKBps > 0 {
                // one named limit per consumer and direction, shared by both families: the cap
                // is the consumer's, not each family's
                for (i, c) in server.consumers.enumerated() {
                    let six = server.address6 != nil ? c.address6 : nil
                    for (dir, match, name) in [("iifname", "saddr", "consumer\(i)_up"), ("oifname", "daddr", "consumer\(i)_down")] {
                        lines.append("\t\t\(dir) \"\(srv)\" ip \(match) \(c.address) limit name \"\(name)\" drop")
                        if let six { lines.append("\t\t\(dir) \"\(srv)\" ip6 \(match) \(six) limit name \"\(name)\" drop") }
                    }
                }
            }
            lines.append("\t}")
        }
        if let server, server.rateLimitKBps > 0 {
            for i in server.consumers.indices {
                for dir in ["up", "down"] {
                    lines.append("\tlimit consumer\(i)_\(dir) { rate over \(server.rateLimitKBps) kbytes/second }")
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    public func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
}
