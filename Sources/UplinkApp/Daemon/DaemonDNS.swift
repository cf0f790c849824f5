import UplinkCore
import UplinkSystem

/// DNS follows the IPv4 default path (option manage_dns): failed over to an uplink, dnsmasq
/// asks that uplink's DNS servers; on a WAN, its own resolvers (DNSUpstreams, DnsmasqServers).
extension Daemon {
    func updateDNS(stopping: Bool = false) {
        let manage = configuration.settings.manageDNS && !stopping
        // a file left from a run that managed DNS is emptied when management stops
        guard manage || dnsmasq.current() != nil else { return }
        let uplink = manage ? active.flatMap { key in specs.first { $0.key == key }?.uplink } : nil
        let content = DNSUpstreams.serversFile(activeUplink: uplink)
        do {
            guard let pids = try dnsmasq.update(content) else { return }
            let servers = DNSUpstreams.servers(in: content)
            let what = servers.isEmpty ? "dnsmasq asks its own resolvers (the WAN's)" : "dnsmasq asks \(servers.joined(separator: ", ")), \(uplink!.peer)'s DNS"
            if !pids.isEmpty {
                log("dns: \(what); reloaded dnsmasq (pid \(pids.map(String.init).joined(separator: ", ")))")
            } else if !dnsmasqMissingSaid {
                dnsmasqMissingSaid = true
                log("dns: \(what), but found no running dnsmasq to reload (none in procd's \(dnsmasq.procdService) service, none with a pid file in \(dnsmasq.pidDirectory)): point dnsmasq's servers-file at \(dnsmasq.file) (said once)")
            }
        } catch {
            log("dns: cannot write \(dnsmasq.file): \(error.message)")
        }
    }
}
