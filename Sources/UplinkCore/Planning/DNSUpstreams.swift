import UCI

/// What the router's resolver (dnsmasq, on OpenWrt and on Linux routers alike) asks while
/// traffic goes through an uplink, written as dnsmasq's servers-file (`--servers-file`,
/// OpenWrt's `option serversfile`), which dnsmasq re-reads on SIGHUP.
///
/// On a WAN the file says nothing, and dnsmasq keeps the resolvers of its resolv-file
/// (netifd's resolv.conf.auto on OpenWrt): the WAN's. Failed over to an uplink with DNS
/// servers (its grant's, or option dns), the file names them for every domain
/// (`server=/#/ADDR`, which dnsmasq prefers to its resolv-file servers; names it serves from a
/// more specific `server=/lan/...` stay local): the ISP's resolvers of a dead WAN, which
/// refuse queries that come from the provider's address, are no longer asked. An uplink with
/// no DNS of its own leaves the WAN's resolvers, now reached through the uplink.
public enum DNSUpstreams {
    /// Where the file lives on the router (what dnsmasq's servers-file option names).
    ///
    /// Inside /var/run/dnsmasq/ because that is where a jailed dnsmasq can read it. OpenWrt's
    /// dnsmasq init script runs dnsmasq in a procd jail (ujail) that sees only what it mounts:
    /// `procd_add_jail_mount_rw /var/run/dnsmasq/` (the directory, read-write) and, for
    /// `option serversfile`, a read-only bind mount of that one file (`append EXTRA_MOUNT
    /// "$serversfile"`). A file elsewhere fails in both cases: missing when dnsmasq starts
    /// (/var/run is tmpfs and the daemon starts long after dnsmasq) ujail skips the mount and
    /// the jail never sees the file; present, the jail holds that inode, and the daemon's
    /// atomic replace (a rename) leaves dnsmasq reading the old content. Under the mounted
    /// directory the new file is seen whenever it appears, and a rename over the single-file
    /// mount detaches it (Linux 3.18 and later). Keep it directly in that directory
    /// (OpenWrtFilesTests checks), and not named *.pid (DnsmasqServers reads those).
    public static let path = "/var/run/dnsmasq/wireguard-uplink.servers"
    /// Where versions before the jail fix put it: the package's first-boot script moves a
    /// dnsmasq section that names exactly this path to `path`.
    public static let legacyPath = "/var/run/wireguard-uplink.dnsmasq-servers"
    public static let header = "# wireguard-uplink: dnsmasq's upstream servers while failed over (rewritten by the daemon; empty on a WAN)\n"

    public static func serversFile(activeUplink: UplinkConfig?) -> String {
        var out = header
        guard let u = activeUplink else { return out }
        out += "# failed over to uplink \(u.peer.rawValue) (\(u.interface))\n"
        for d in u.dns { if let a = IPAddress(d) { out += "server=/#/\(a)\n" } }
        return out
    }

    /// On OpenWrt (a /etc/config/dhcp), why dnsmasq would not read `file`: no dnsmasq section
    /// names it as its servers-file (the package's first-boot script sets it where none is
    /// set, or where it is `legacyPath`). Nil when one does, or without a dhcp config (a Linux
    /// router: see the README).
    public static func readerProblem(dhcp: UCIPackage?, file: String) -> String? {
        guard let dhcp else { return nil }
        let sections = dhcp.sections.filter { $0.type == "dnsmasq" }
        guard !sections.isEmpty, !sections.contains(where: { $0["serversfile"] == file }) else { return nil }
        let other = sections.compactMap { $0["serversfile"] }.first
        return "dnsmasq does not read \(file), so names will not follow a failover"
            + (other.map { $0 == legacyPath ? " (its servers-file is \($0), the old place, which a jailed dnsmasq does not see)" : " (its servers-file is \($0))" } ?? "")
            + ": uci set dhcp.@dnsmasq[0].serversfile='\(file)'; uci commit dhcp; /etc/init.d/dnsmasq restart"
    }

    /// The servers a file names (for status and tests).
    public static func servers(in file: String) -> [String] {
        file.split(separator: "\n").compactMap { line in
            line.hasPrefix("server=/#/") ? String(line.dropFirst("server=/#/".count)) : nil
        }
    }
}
