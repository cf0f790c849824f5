import Testing
import UplinkSystem

/// The shell files shipped for OpenWrt, under busybox ash as the router runs them: they parse,
/// and the hotplug shim passes exactly the event on to `wgctl uplink notify` (and nothing for
/// other actions).
@Suite struct OpenWrtFilesTests {
    let repo = FixtureRoot.repo

    @Test func scriptsParse() throws {
        for f in ["openwrt/etc/init.d/wireguard-uplink", "openwrt/etc/hotplug.d/iface/95-wireguard-uplink", "rpcd/luci.wireguard-dashboard",
                  "openwrt/etc/uci-defaults/90-wireguard-uplink-dns"] {
            let r = try Command.run("busybox", ["ash", "-n", repo + "/" + f])
            #expect(r.ok, "\(f): \(r.errorText)")
        }
    }

    /// The init script's reload under busybox ash (as on the router), with procd's helpers
    /// stubbed to record what it decides: (enabled, a daemon listening) → what it does.
    @Test(arguments: [("1", true, "notify reload"), ("1", false, "notify reload; start"), ("0", true, "stop"), ("0", false, "stop")])
    func initScriptReloadDoesWhatAnAdministratorExpects(enabled: String, listening: Bool, expected: String) throws {
        let f = try FixtureRoot()
        let log = f.root + "/calls"
        let fake = f.root + "/fake-wgctl"
        try Files.writeAtomically(fake, Array("#!/bin/sh\nshift; printf '%s; ' \"$*\" >> \(log)\n\(listening ? "exit 0" : "exit 1")\n".utf8), newMode: 0o755)
        let stubs = """
        config_load() { :; }
        config_get_bool() { eval "$1=\(enabled)"; }
        start() { printf 'start; ' >> \(log); }
        stop() { printf 'stop; ' >> \(log); }
        restart() { printf 'restart; ' >> \(log); }
        """
        let script = "\(stubs)\n. \(repo)/openwrt/etc/init.d/wireguard-uplink\nPROG=\(fake)\nreload_service\necho rc=$?"
        let r = try Command.run("busybox", ["ash", "-c", script])
        #expect(r.output.contains("rc=0"), "\(r.output) \(r.errorText)")
        let got = (try Files.read(log)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(got == expected + "; ",
                "enabled \(enabled), daemon \(listening ? "listening" : "absent"): \(got)")
    }

    @Test(arguments: [("ifdown", "wan", "eth1", "uplink notify ifdown wan eth1"),
                      ("disconnected", "wan", "", "uplink notify disconnected wan"),
                      ("connected", "wu_nodea_eynh", "wu_nodea_eynh", "uplink notify connected wu_nodea_eynh wu_nodea_eynh"),
                      ("ifupdate", "lan", "br-lan", "")])
    func hotplugShimPassesTheEventOn(action: String, iface: String, device: String, expected: String) throws {
        let f = try FixtureRoot()
        let record = f.root + "/args"
        let fake = f.root + "/fake-wgctl"
        try Files.writeAtomically(fake, Array("#!/bin/sh\necho \"$*\" > \(record)\n".utf8), newMode: 0o755)
        let env = "ACTION=\(action) INTERFACE=\(iface) DEVICE=\(device) WGCTL=\(fake)"
        let r = try Command.run("busybox", ["ash", "-c", "\(env) . \(repo)/openwrt/etc/hotplug.d/iface/95-wireguard-uplink; echo sourced-ok"])
        #expect(r.output.contains("sourced-ok"), "the shim must not exit the sourcing shell")
        let got = (try Files.read(record)).map { String(decoding: $0, as: UTF8.self).trimmingNewlines() } ?? ""
        #expect(got == expected)
    }

    /// At first boot dnsmasq is pointed at the daemon's servers-file, once, and never where the
    /// user has a servers-file of their own (uci stubbed over two dnsmasq sections).
    @Test func uciDefaultsGiveDnsmasqOurServersFileOnlyWhereItHasNone() throws {
        let f = try FixtureRoot()
        let log = f.root + "/uci-calls"
        let stub = """
        uci() {
          [ "$1" = "-q" ] && shift
          case "$1" in
            show) printf 'dhcp.cfg01411c=dnsmasq\ndhcp.cfg01411c.domain=lan\ndhcp.adblock=dnsmasq\ndhcp.adblock.serversfile=/etc/adblock.servers\ndhcp.lan=dhcp\n' ;;
            get) [ "$2" = dhcp.adblock.serversfile ] && echo /etc/adblock.servers ;;
            *) echo "$*" >> \(log) ;;
          esac
        }
        """
        let r = try Command.run("busybox", ["ash", "-c", "\(stub)\n. \(repo)/openwrt/etc/uci-defaults/90-wireguard-uplink-dns"])
        #expect(r.ok, "\(r.errorText)")
        let got = (try Files.read(log)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(got == "set dhcp.cfg01411c.serversfile=/var/run/wireguard-uplink.dnsmasq-servers\ncommit dhcp\n")
    }

    @Test func aclListsEveryMethodOnce() throws {
        let v = try UplinkCoreJSON.parse(repo + "/rpcd/luci-app-wireguard-uplink.json")
        let acl = v["luci-app-wireguard-uplink"]
        let reads = acl?["read"]?["ubus"]?["luci.wireguard-dashboard"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let writes = acl?["write"]?["ubus"]?["luci.wireguard-dashboard"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let methods = Set(UplinkAppRPCD.methodNames)
        #expect(Set(reads).union(writes) == methods)
        #expect(Set(reads).isDisjoint(with: writes))
        #expect(Set(writes) == UplinkAppRPCD.writeMethods)
        // the LuCI package ships the same file (a copy: a link would dangle in a LuCI package build)
        let luci = try UplinkCoreJSON.parse(repo + "/luci-app-wireguard-uplink/root/usr/share/rpcd/acl.d/luci-app-wireguard-uplink.json")
        #expect(luci == v)
    }
}
