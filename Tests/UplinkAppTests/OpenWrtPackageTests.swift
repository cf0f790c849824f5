import Testing
import UplinkSystem

/// The OpenWrt packages as OpenWrt's build reads them: the variables and `define Package/...`
/// blocks of each Makefile, recipes indented with a tab, every installed file present in the
/// repository, and DEPENDS covering every program wgctl runs.
@Suite struct OpenWrtPackageTests {
    let repo = FixtureRoot.repo

    struct Makefile {
        var variables: [String: String] = [:]
        var blocks: [String: [String]] = [:]
        var lines: [String] = []

        init(_ text: String) {
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var open: String? = nil
            for line in lines {
                if let name = open {
                    if line == "endef" { open = nil } else { blocks[name, default: []].append(line) }
                    continue
                }
                if line.hasPrefix("define ") { open = String(line.dropFirst(7)); blocks[open!] = []; continue }
                if !line.hasPrefix("\t"), !line.hasPrefix("#"), let parts = Optional(line.split(separator: ":=", maxSplits: 1)), parts.count == 2 {
                    variables[String(parts[0]).trimmingSpaces] = String(parts[1]).trimmingSpaces
                }
            }
        }

        /// `NAME:=value` inside a define block.
        func field(_ block: String, _ name: String) -> String? {
            for l in blocks[block] ?? [] {
                let t = l.trimmingSpaces
                if t.hasPrefix(name + ":=") { return String(t.dropFirst(name.count + 2)) }
            }
            return nil
        }
    }

    func makefile(_ path: String) throws -> Makefile {
        Makefile(String(decoding: try #require(try Files.read(repo + "/" + path)), as: UTF8.self))
    }

    @Test func theCorePackageIsAnOpenWrtPackage() throws {
        let mk = try makefile("openwrt/wireguard-uplink/Makefile")
        for v in ["PKG_NAME", "PKG_VERSION", "PKG_RELEASE", "PKG_LICENSE"] { #expect(mk.variables[v]?.isEmpty == false, "\(v)") }
        let name = try #require(mk.variables["PKG_NAME"])
        #expect(name == "wireguard-uplink")
        let code = mk.lines.filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(code.first == "include $(TOPDIR)/rules.mk")
        #expect(code.contains("include $(INCLUDE_DIR)/package.mk"))
        #expect(code.last == "$(eval $(call BuildPackage,\(name)))")
        for f in ["SECTION", "CATEGORY", "TITLE", "DEPENDS"] { #expect(mk.field("Package/\(name)", f) != nil, "\(f)") }
        #expect(mk.blocks["Package/\(name)/description"]?.isEmpty == false)
        #expect(mk.blocks["Package/\(name)/conffiles"]?.map(\.trimmingSpaces) == ["/etc/config/wireguard-uplink"])
        // recipes are make recipes: every line of an install/compile block starts with a tab
        for b in ["Build/Prepare", "Build/Compile", "Package/\(name)/install"] {
            let body = try #require(mk.blocks[b], "\(b)")
            #expect(!body.isEmpty && body.allSatisfy { $0.hasPrefix("\t") }, "\(b): recipe lines start with a tab")
        }
    }

    /// Every file the package installs is in the repository, and every shipped OpenWrt file is installed.
    @Test func theInstallListIsTheRepositorysFiles() throws {
        let mk = try makefile("openwrt/wireguard-uplink/Makefile")
        var sources: [String] = [], targets: [String] = []
        for l in mk.blocks["Package/wireguard-uplink/install"] ?? [] where l.contains("$(INSTALL_BIN)") || l.contains("$(INSTALL_DATA)") || l.contains("$(INSTALL_CONF)") {
            let words = l.split(separator: " ").map(String.init)
            guard words.count == 3 else { Issue.record("install line: \(l)"); continue }
            sources.append(words[1]); targets.append(words[2])
        }
        let fromRepo = sources.filter { $0.hasPrefix("$(REPO_DIR)/") }.map { String($0.dropFirst("$(REPO_DIR)/".count)) }
        for f in fromRepo { #expect(Files.exists(repo + "/" + f), "\(f) is installed but not in the repository") }
        let shipped = try Command.run("sh", ["-c", "cd \(repo) && find openwrt/etc -type f | sort"]).output
            .split(separator: "\n").map(String.init)
        for f in shipped + ["uci/wireguard-uplink", "rpcd/luci.wireguard-dashboard"] {
            #expect(fromRepo.contains(f), "\(f) is shipped in the repository but not installed")
        }
        // built files: wgctl by SwiftPM, the helper by the C compiler from the repository's source
        let compile = (mk.blocks["Build/Compile"] ?? []).joined(separator: "\n")
        for built in sources where built.hasPrefix("$(PKG_BUILD_DIR)/.build/release/") {
            let name = String(built.dropFirst("$(PKG_BUILD_DIR)/.build/release/".count))
            #expect(compile.contains("--product \(name)") || compile.contains("-o \(built) "), "\(name) is installed but Build/Compile makes no such file")
        }
        #expect(compile.contains("$(PKG_BUILD_DIR)/helpers/wgctl-http-probe.c") && Files.exists(repo + "/helpers/wgctl-http-probe.c"))
        #expect(Set(targets) == ["$(1)/usr/bin/wgctl", "$(1)/usr/libexec/wgctl-http-probe", "$(1)/etc/init.d/wireguard-uplink", "$(1)/etc/hotplug.d/iface/95-wireguard-uplink",
                                 "$(1)/etc/config/wireguard-uplink", "$(1)/usr/libexec/rpcd/luci.wireguard-dashboard",
                                 "$(1)/etc/uci-defaults/90-wireguard-uplink-dns"])
        // SecuBox's luci-app-wireguard-dashboard owns the same rpcd path: opkg refuses, with the reason
        #expect(mk.field("Package/wireguard-uplink", "CONFLICTS") == "luci-app-wireguard-dashboard")
    }

    /// Every program wgctl runs (Command.run/check("X")) maps to a dependency or to the base system.
    @Test func dependsCoversEveryProgramWgctlRuns() throws {
        let mk = try makefile("openwrt/wireguard-uplink/Makefile")
        let depends = Set((mk.field("Package/wireguard-uplink", "DEPENDS") ?? "").split(separator: " ").map(String.init))
        let provider: [String: String?] = [
            "ip": "+ip-full",            // `ip -j` (busybox ip has no JSON)
            "nft": "+nftables-json",     // `nft -j` (nftables-nojson has no JSON)
            "wg": "+wireguard-tools", "conntrack": "+conntrack",
            "wireguard-go": nil,         // only where the kernel lacks WireGuard: +kmod-wireguard instead
            "mwan3": nil,                // the mwan3 backend only when mwan3 is installed
            "ubus": nil,                 // OpenWrt base
        ]
        let used = try Command.run("sh", ["-c", #"cd \#(repo) && grep -rhoE 'Command\.(run|check)\("[a-z0-9_-]+"' Sources | sed -E 's/.*\("//; s/"$//' | sort -u"#]).output
            .split(separator: "\n").map(String.init)
        #expect(!used.isEmpty)
        for program in used {
            guard let dep = provider[program] else { Issue.record("wgctl runs '\(program)': add its package to DEPENDS and to this table"); continue }
            if let dep { #expect(depends.contains(dep), "\(program) needs \(dep) in DEPENDS") }
        }
        for d in ["+kmod-wireguard", "+libcurl", "@(x86_64||aarch64)"] { #expect(depends.contains(d), "\(d)") }
    }

    @Test func theLuCIAppDependsOnTheCorePackage() throws {
        let luci = try makefile("luci-app-wireguard-uplink/Makefile")
        let core = try makefile("openwrt/wireguard-uplink/Makefile")
        let deps = (luci.variables["LUCI_DEPENDS"] ?? "").split(separator: " ").map(String.init)
        #expect(deps.contains("+" + (core.variables["PKG_NAME"] ?? "?")), "\(deps)")
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
