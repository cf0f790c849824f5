import Testing
import UplinkCore
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

    /// Runs the uci-defaults script with `uci` stubbed: `show` lists `sections` (name and
    /// serversfile, nil for none), `get` answers from them; returns the other calls it made.
    func runUCIDefaults(_ sections: [(String, String?)]) throws -> String {
        let f = try FixtureRoot()
        let log = f.root + "/uci-calls"
        var show = "", get = ""
        for (name, file) in sections {
            show += "dhcp.\(name)=dnsmasq\\n"
            if let file {
                show += "dhcp.\(name).serversfile=\(file)\\n"
                get += "    dhcp.\(name).serversfile) echo '\(file)' ;;\n"
            }
        }
        show += "dhcp.lan=dhcp\\n"
        let stub = """
        uci() {
          [ "$1" = "-q" ] && shift
          case "$1" in
            show) printf '\(show)' ;;
            get) case "$2" in
        \(get)    esac ;;
            *) echo "$*" >> \(log) ;;
          esac
        }
        """
        let r = try Command.run("busybox", ["ash", "-c", "\(stub)\n. \(repo)/openwrt/etc/uci-defaults/90-wireguard-uplink-dns"])
        #expect(r.ok, "\(r.errorText)")
        return (try Files.read(log)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// At first boot dnsmasq is pointed at the daemon's servers-file, once, and never where the
    /// user has a servers-file of their own (uci stubbed over two dnsmasq sections).
    @Test func uciDefaultsGiveDnsmasqOurServersFileOnlyWhereItHasNone() throws {
        let got = try runUCIDefaults([("cfg01411c", nil), ("adblock", "/etc/adblock.servers")])
        #expect(got == "set dhcp.cfg01411c.serversfile=\(DNSUpstreams.path)\ncommit dhcp\n")
    }

    /// An upgrade moves a section that names the old place (exactly what the old script set) to
    /// the new one; a user's own servers-file, even one that only looks like ours, stays.
    @Test func uciDefaultsMoveOurOldServersFileAndNothingElse() throws {
        let got = try runUCIDefaults([("cfg01411c", DNSUpstreams.legacyPath), ("adblock", "/etc/adblock.servers"),
                                      ("guest", DNSUpstreams.legacyPath + ".mine"), ("iot", nil)])
        #expect(got == "set dhcp.cfg01411c.serversfile=\(DNSUpstreams.path)\nset dhcp.iot.serversfile=\(DNSUpstreams.path)\ncommit dhcp\n")
        #expect(try runUCIDefaults([("cfg01411c", DNSUpstreams.path)]) == "commit dhcp\n", "already the new place: left as it is")
    }

    /// OpenWrt runs dnsmasq in a procd jail (ujail) that sees only what its init script mounts
    /// (package/network/services/dnsmasq/files/dnsmasq.init, openwrt/openwrt 48615712):
    /// `procd_add_jail_mount_rw /var/run/dnsmasq/` mounts that directory read-write, and
    /// `option serversfile` adds a read-only bind mount of that one file (`append EXTRA_MOUNT
    /// "$serversfile"`), which ujail skips when the file does not exist yet and which pins
    /// the inode when it does. The daemon creates the file after dnsmasq starts and replaces
    /// it by rename, so only a file directly inside the mounted directory is seen by a jailed
    /// dnsmasq at every change. The script and the daemon must name the same file, and it must
    /// not look like one of the pid files the daemon reads in that directory.
    @Test func theServersFileIsWhereTheJailedDnsmasqSeesIt() throws {
        let jailDir = "/var/run/dnsmasq/"
        #expect(DNSUpstreams.path.hasPrefix(jailDir))
        let name = String(DNSUpstreams.path.dropFirst(jailDir.count))
        #expect(!name.isEmpty && !name.contains("/") && !name.hasSuffix(".pid") && name != "." && name != "..")
        let d = DnsmasqServers(paths: Paths(root: "/"))
        #expect(d.file == d.pidDirectory + "/" + name, "the daemon writes it in the directory whose pid files it reads")
        #expect(!DNSUpstreams.legacyPath.hasPrefix(jailDir))
        // the first-boot script sets the same path, and moves exactly the old one
        let script = String(decoding: try #require(try Files.read(repo + "/openwrt/etc/uci-defaults/90-wireguard-uplink-dns")), as: UTF8.self)
        let lines = script.split(separator: "\n").map(String.init)
        #expect(lines.contains("f=" + DNSUpstreams.path))
        #expect(lines.contains("old=" + DNSUpstreams.legacyPath))
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
