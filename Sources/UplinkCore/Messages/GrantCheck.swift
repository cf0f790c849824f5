/// What a consumer accepts from a provider's `uplink_grant` before installing anything: the
/// grant's address goes on a tunnel of this router, so a hostile or broken provider must not be
/// able to shadow the router's own networks (a granted 192.168.8.0/24 would swallow the LAN).
public enum GrantCheck {
    /// At most this many DNS servers from one grant.
    public static let maximumDNS = 3

    /// Nil when the grant is acceptable, else the reason (a sentence for the operator).
    /// `local` holds every prefix configured on this router's interfaces.
    public static func problem(address: IPPrefix, gateway: IPAddress, dns: [IPAddress], mtu: Int, local: [IPPrefix]) -> String? {
        if let why = hostProblem(address, what: "address", local: local) { return why }
        guard gateway.isV4 == address.address.isV4, gateway != address.address else {
            return "its gateway \(gateway) is not another address of the tunnel's family"
        }
        if let why = unusable(gateway) { return "its gateway \(gateway) is \(why)" }
        if let l = local.first(where: { $0.contains(gateway) }) {
            return "its gateway \(gateway) lies in \(l), a network of this router, not inside the tunnel"
        }
        guard dns.count <= maximumDNS else { return "it names \(dns.count) DNS servers (at most \(maximumDNS))" }
        for d in dns {
            if let why = unusable(d) { return "its DNS server \(d) is \(why)" }
            // dnsmasq asks it for every domain while failed over: this router's own address would loop
            if let l = local.first(where: { $0.contains(d) }) { return "its DNS server \(d) lies in \(l), a network of this router" }
        }
        guard (1280...9000).contains(mtu) else { return "its MTU \(mtu) is outside 1280–9000" }
        return nil
    }

    /// Nil when a grant's IPv6 address is acceptable: one IPv6 host address (/128), usable,
    /// in none of this router's networks.
    /// A provider's pool6 is a ULA /64 (fc00::/7): a global address would make a public host
    /// (a track target, a resolver) a local address of this router.
    public static func problem(address6 a: IPPrefix, local: [IPPrefix]) -> String? {
        guard !a.address.isV4 else { return "it granted \(a) as its IPv6 address, an IPv4 address" }
        if let why = hostProblem(a, what: "IPv6 address", local: local) { return why }
        guard case .v6(let b) = a.address, b[0] & 0xFE == 0xFC else {
            return "its IPv6 address \(a.address) is not a unique local address (fc00::/7), which providers grant from"
        }
        return nil
    }

    /// One host address, usable, in none of this router's networks.
    static func hostProblem(_ a: IPPrefix, what: String, local: [IPPrefix]) -> String? {
        guard a.length == a.address.bitCount else {
            return "it granted \(a), a network: only a single host address (/32 or /128) is accepted for a tunnel"
        }
        if let why = unusable(a.address) { return "its \(what) \(a.address) is \(why)" }
        if let l = local.first(where: { overlaps($0, a) }) {
            return "its \(what) \(a.address) lies in \(l), a network of this router: installing it would shadow that network"
        }
        return nil
    }

    /// Why an address cannot be a tunnel's host, gateway or resolver (nil: it can).
    static func unusable(_ a: IPAddress) -> String? {
        switch a {
        case .v4(let v):
            if v == 0 { return "unspecified" }
            if v >> 24 == 127 { return "a loopback address" }
            if v >> 28 == 0xE { return "a multicast address" }
            if v >> 28 == 0xF { return "reserved or broadcast" }
            if v >> 16 == 0xA9FE { return "link-local" }
            return nil
        case .v6(let b):
            if b.allSatisfy({ $0 == 0 }) { return "unspecified" }
            if b.dropLast().allSatisfy({ $0 == 0 }) && b.last == 1 { return "a loopback address" }
            if b[0] == 0xFF { return "a multicast address" }
            if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return "link-local" }
            return nil
        }
    }

    /// Two prefixes share an address.
    public static func overlaps(_ p: IPPrefix, _ q: IPPrefix) -> Bool {
        guard p.address.isV4 == q.address.isV4 else { return false }
        return p.length <= q.length ? p.contains(q.address) : q.contains(p.address)
    }
}
