import UplinkApp
import UplinkCore
import UplinkSystem

/// `wgctl uplink ...`: the commands an administrator runs.
enum UplinkCommands {
    static let peerArgument = ArgumentSpec(name: "peer-id", help: "The provider's peer id: 1–64 of A-Z a-z 0-9 . _ : -")

    static let spec = CommandSpec(
        name: "uplink",
        abstract: "Manage uplinks: WireGuard tunnels to mesh peers that carry traffic when the WAN fails.",
        subcommands: [
            CommandSpec(name: "list", abstract: "Configured uplinks and the offers heard from mesh peers.", run: list),
            CommandSpec(name: "status", abstract: "Which path carries traffic, health of every path, detection times.", run: status),
            CommandSpec(
                name: "add",
                abstract: "Add a mesh peer as an uplink and print the key the provider must authorise.",
                discussion: "With no flags, the uplink is requested from the peer's current offer over the mesh and configured from its grant (zero-touch). With --address only, endpoint and key come from the offer. With --interface, an existing WireGuard interface (a config interface of /etc/config/network, or a device on a plain Linux router) becomes the uplink: its peer that owns 0.0.0.0/0 is the provider, and only option secubox_uplink and secubox_peer_id are added to it. Priority 1–100 (default 50): higher is preferred; uplinks of equal priority share load by weight (1–1000).",
                arguments: [peerArgument],
                options: [
                    .value("interface", "name", "Adopt this existing WireGuard interface (its endpoint, keys and addresses stay its own)."),
                    .value("endpoint", "host:port", "Provider endpoint HOST:PORT ([ADDR]:PORT for IPv6)."),
                    .value("public-key", "key", "Provider's WireGuard public key."),
                    .value("address", "cidr", "This uplink's tunnel address, CIDR (e.g. 10.200.1.2/32)."),
                    .value("gateway", "address", "The provider's own tunnel address (e.g. 10.200.1.1), which `test` pings; learnt from the tunnel when left out."),
                    .value("dns", "addresses", "DNS servers dnsmasq asks while traffic goes through this uplink (comma-separated); a grant brings its own."),
                    .value("priority", "1-100", "1–100, higher is preferred (mwan3 member metric orders failover)."),
                    .value("weight", "1-1000", "1–1000, share of load among equal priorities (mwan3 member weight)."),
                ], run: add),
            CommandSpec(name: "remove", abstract: "Remove an uplink and everything generated for it.",
                        arguments: [peerArgument], run: remove),
            CommandSpec(
                name: "priority",
                abstract: "Set an uplink's priority (1–100, higher is preferred).",
                discussion: "Maps to the mwan3 member metric in the default policy: the highest priority gets the lowest metric after every WAN member, so it is used first when the WANs fail.",
                arguments: [peerArgument, ArgumentSpec(name: "priority", help: "Priority 1–100 (the spec calls it weight).")], run: priority),
            CommandSpec(name: "failover", abstract: "Let the uplinks take over when the WANs fail (enable), or keep them idle (disable).",
                        arguments: [ArgumentSpec(name: "mode", help: "enable or disable")], run: failover),
            CommandSpec(name: "apply", abstract: "Re-render network, mwan3 and firewall from the uplink configuration (idempotent).", run: apply),
            HealthCommands.test, HealthCommands.check, HealthCommands.daemon, HealthCommands.notify, HealthCommands.release,
            CommandSpec(
                name: "offer",
                abstract: "Offer this router's WAN to its mesh peers as an uplink (the daemon serves and announces it).",
                options: [
                    .value("bandwidth", "mbit", "Advertised bandwidth, Mbit/s."),
                    .value("wan-type", "type", "fiber, dsl, cable, lte, satellite, ..."),
                    .flag("metered", "The WAN is metered: consumers use it as a last resort."),
                ], run: offer),
            CommandSpec(name: "withdraw", abstract: "Stop offering this router's WAN (consumers move elsewhere).", run: withdraw),
        ])

    static func list(_ p: ParsedCommand) throws {
        let common = Common(p)
        try failing(common) {
            let v = try common.service.list()
            emit(common, v) { listHuman($0) }
        }
    }

    static func listHuman(_ v: JSONValue) -> String {
        let now = Clock.now()
        var t = TextTable(["PEER", "INTERFACE", "ENDPOINT", "PRIO", "WEIGHT", "STATE", "LATENCY", "LOSS", "SINCE"])
        for u in v["uplinks"]?.arrayValue ?? [] {
            t.add([Output.text(u["peer_id"]), Output.text(u["interface"]), Output.text(u["endpoint"]),
                   Output.text(u["priority"]), Output.text(u["weight"]),
                   Output.text(u["state"]) + (u["enabled"]?.boolValue == false ? " (disabled)" : u["problem"]?.stringValue != nil ? " (not usable)" : ""),
                   Output.ms(u["latency_ms"]), Output.pct(u["loss_pct"]), Output.age(since: u["since"], now: now)])
        }
        var out = (v["uplinks"]?.arrayValue?.isEmpty ?? true) ? "No uplinks configured." : t.render()
        let offers = v["offers"]?.arrayValue ?? []
        if !offers.isEmpty {
            var o = TextTable(["OFFER FROM", "ENDPOINT", "AVAILABLE", "BANDWIDTH", "LATENCY", "WAN", "METERED", "TRUST", "AGE", "CONFIGURED"])
            for f in offers {
                o.add([Output.text(f["peer_id"]), Output.text(f["endpoint"]), Output.text(f["available"]),
                       f["bandwidth_mbps"]?.intValue.map { "\($0) Mbit/s" } ?? "-", Output.ms(f["latency_ms"]),
                       Output.text(f["wan_type"]), Output.text(f["metered"]),
                       f["trusted"]?.boolValue == true ? "trusted" : "untrusted",
                       "\(Output.text(f["age_s"]))s", Output.text(f["configured"])])
            }
            out += "\n\n" + o.render()
        }
        if v["enabled"]?.boolValue == false { out += "\n\nwireguard-uplink is disabled (option enabled '0')." }
        if v["auto_failover"]?.boolValue == false { out += "\nFailover is off (wgctl uplink failover enable)." }
        return out
    }

    static func status(_ p: ParsedCommand) throws {
        let common = Common(p)
        try failing(common) {
            let v = try common.service.status()
            emit(common, v) { statusHuman($0) }
        }
    }

    static func statusHuman(_ v: JSONValue) -> String {
        let now = Clock.now()
        var lines: [String] = []
        let active = v["active_path"]?.stringValue ?? "unknown"
        lines.append("Default route via: \(active)\(v["failover_active"]?.boolValue == true ? "  (FAILED OVER)" : "")  [source: \(Output.text(v["active_source"]))]")
        if v["dns"]?["managed"]?.boolValue == true {
            let servers = (v["dns"]?["servers"]?.arrayValue ?? []).compactMap(\.stringValue)
            lines.append("DNS: dnsmasq asks " + (servers.isEmpty ? "its own resolvers" : servers.joined(separator: ", ") + " (the active uplink's)"))
        }
        if let six = v["active_source_ipv6"]?.stringValue {
            lines.append("IPv6 default route via: \(v["active_path_ipv6"]?.stringValue ?? "unknown")  [source: \(six)]")
        }
        lines.append("Backend: \(Output.text(v["backend"]))   policy: \(Output.text(v["policy"]))   enabled: \(Output.text(v["enabled"]))   auto_failover: \(Output.text(v["auto_failover"]))")
        if v["backend"]?.stringValue == "mwan3" {
            let decided = v["daemon_path"]?.stringValue
            let held = (v["mwan3_held"]?.arrayValue ?? []).compactMap(\.stringValue)
            var line = "Daemon decided: \(decided ?? "nothing (not running)")"
            if let decided, decided != active { line += "  (mwan3 has not switched yet)" }
            line += held.isEmpty ? "   holding nothing out of mwan3" : "   holding out of mwan3: \(held.joined(separator: ", "))"
            lines.append(line)
            let pending = (v["mwan3_pending"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !pending.isEmpty { lines.append("Handed back, not yet online in mwan3: \(pending.joined(separator: ", "))") }
            for r in v["mwan3_repairs"]?.arrayValue ?? [] {
                lines.append("mwan3 repaired \(Output.age(since: r["at"], now: now)) ago: \(Output.text(r["interface"])) (\(Output.text(r["problem"]))), \(Output.text(r["action"])) attempt \(Output.text(r["attempt"]))")
            }
        }
        let d = v["detection"]
        let sw = v["backend"]?.stringValue == "mwan3" ? "mwan3 ifdown" : "route change"
        lines.append("Worst case to the switch: \(Output.text(d?["worst_case_s"])) s (daemon detection \(Output.text(d?["daemon_s"])) s + \(sw) \(Output.text(d?["switch_s"])) s; failover_timeout \(Output.text(v["failover_timeout"])) s)")
        var det = "Without the daemon, mwan3 alone:"
        var any = false
        if let u = d?["uplink_tracking_s"], u != .null { det += " uplink tracking \(Output.text(u)) s"; any = true }
        for (wan, s) in d?["wan_tracking_s"]?.objectPairs ?? [] { det += "\(any ? "," : "") '\(wan)' \(Output.text(s)) s"; any = true }
        if any { lines.append(det) }
        var t = TextTable(["PATH", "DEVICE", "STATE", "LATENCY", "LOSS", "SINCE", "CHECKED", "ACTIVE"])
        for w in v["wans"]?.arrayValue ?? [] {
            t.add(["wan:" + Output.text(w["name"]) + (w["family"]?.stringValue == "ipv6" ? AddressFamily.keySuffix : ""), Output.text(w["device"]), Output.text(w["state"]), Output.ms(w["latency_ms"]),
                   Output.pct(w["loss_pct"]), Output.age(since: w["since"], now: now), Output.age(since: w["last_check"], now: now),
                   w["active"]?.boolValue == true ? "*" : ""])
        }
        for u in v["uplinks"]?.arrayValue ?? [] {
            t.add([AutoAddText.pathName(u), Output.text(u["interface"]), Output.text(u["state"]), Output.ms(u["latency_ms"]),
                   Output.pct(u["loss_pct"]), Output.age(since: u["since"], now: now), Output.age(since: u["last_check"], now: now),
                   u["active"]?.boolValue == true ? "*" : ""])
            if let six = u["ipv6"], six != .null {
                t.add(["uplink:" + Output.text(u["peer_id"]) + AddressFamily.keySuffix, Output.text(u["interface"]), Output.text(six["state"]),
                       Output.ms(six["latency_ms"]), Output.pct(six["loss_pct"]), Output.age(since: six["since"], now: now),
                       Output.age(since: six["last_check"], now: now), six["active"]?.boolValue == true ? "*" : ""])
            }
        }
        lines.append("")
        lines.append(t.render())
        let auto = AutoAddText.lines(v, now: now)
        if !auto.isEmpty { lines.append(""); lines += auto }
        let daemon = v["daemon"]
        lines.append("")
        lines.append(daemon?["running"]?.boolValue == true ? "Daemon: running (pid \(Output.text(daemon?["pid"])))" : "Daemon: not running")
        if let sf = v["state_file"], sf["status"]?.stringValue != "ok" {
            lines.append("Runtime state: \(Output.text(sf["status"]))\(sf["reason"]?.stringValue.map { " (\($0))" } ?? "")")
        }
        for w in v["warnings"]?.arrayValue ?? [] { lines.append("warning: \(Output.text(w))") }
        return lines.joined(separator: "\n")
    }

    static func add(_ p: ParsedCommand) throws {
        let common = Common(p)
        let peer = try validatedPeer(p.argument("peer-id"))
        let endpoint = p.value("endpoint"), publicKey = p.value("public-key"), address = p.value("address"), gateway = p.value("gateway"), dns = p.value("dns")
        let priority = try p.int("priority"), weight = try p.int("weight"), interface = p.value("interface")
        try failing(common) {
            let (u, o): (UplinkConfig, ApplyOutcome)
            if interface == nil && address == nil && gateway == nil && (endpoint == nil || publicKey == nil) {
                (u, o) = try common.service.addFromOffer(peer, priority: priority, weight: weight)
            } else {
                var req = AddRequest(peer: peer)
                if let endpoint { req.endpoint = try Endpoint(parsing: endpoint) }
                if let publicKey { req.publicKey = try WireGuardKey(base64: publicKey) }
                if let address { req.addresses = try RPCD.parseAddresses(address) }
                if let gateway { req.gateway = try RPCD.parseGateway(gateway) }
                if let dns { req.dns = try RPCD.parseDNS(dns) }
                req.priority = priority
                req.weight = weight
                req.interface = interface
                (u, o) = try common.service.add(req)
            }
            emit(common, ResultJSON.uplink(u, o, action: "added")) { v in
                if v["adopted"]?.boolValue == true {
                    return "Adopted interface \(Output.text(v["interface"])) as uplink \(Output.text(v["peer_id"])) (endpoint \(Output.text(v["endpoint"])), priority \(Output.text(v["priority"])), weight \(Output.text(v["weight"]))). Its peers and keys stay yours: only option \(Adoption.markOption) and \(Adoption.peerOption) were added to it.\n" + describeOutcome(v)
                }
                let head = "Added uplink \(Output.text(v["peer_id"])) as interface \(Output.text(v["interface"])) (endpoint \(Output.text(v["endpoint"])), priority \(Output.text(v["priority"])), weight \(Output.text(v["weight"])))."
                if v["granted"]?.boolValue == true {
                    return head + "\n\(Output.text(v["peer_id"])) granted it \(Output.text(v["address"]?.arrayValue?.first)) (gateway \(Output.text(v["gateway"]))) and authorised its key \(Output.text(v["public_key"])).\n" + describeOutcome(v)
                }
                return """
                \(head)
                Public key of this uplink; the provider must authorise it \(Output.text(v["authorize_where"])):
                  \(Output.text(v["public_key"]))
                  \(Output.text(v["authorize"]))
                \(describeOutcome(v))
                """
            }
        }
    }

    static func remove(_ p: ParsedCommand) throws {
        let common = Common(p)
        let peer = try validatedPeer(p.argument("peer-id"))
        try failing(common) {
            let (u, o) = try common.service.remove(peer)
            emit(common, ResultJSON.uplink(u, o, action: "removed")) { v in
                "Removed uplink \(Output.text(v["peer_id"])) (\(Output.text(v["interface"]))).\n" + describeOutcome(v)
            }
        }
    }

    static func priority(_ p: ParsedCommand) throws {
        let common = Common(p)
        let peer = try validatedPeer(p.argument("peer-id"))
        guard let raw = p.argument("priority"), let value = Int(raw) else {
            throw UsageError("<priority> is a whole number 1–100, not '\(p.argument("priority") ?? "")'")
        }
        try failing(common) {
            let (u, o) = try common.service.setPriority(peer, priority: value)
            emit(common, ResultJSON.uplink(u, o, action: "priority")) { v in
                "Uplink \(Output.text(v["peer_id"])) now has priority \(Output.text(v["priority"])).\n" + describeOutcome(v)
            }
        }
    }

    static func failover(_ p: ParsedCommand) throws {
        let common = Common(p)
        guard let mode = p.argument("mode"), mode == "enable" || mode == "disable" else {
            throw UsageError("<mode> is enable or disable, not '\(p.argument("mode") ?? "")'")
        }
        let on = mode == "enable"
        try failing(common) {
            let o = try common.service.setFailover(on)
            var j = JSONObject()
            j.set("success", true)
            j.set("auto_failover", on)
            ResultJSON.outcome(o, into: &j)
            emit(common, j.value) { v in
                "Failover \(on ? "enabled" : "disabled").\n" + describeOutcome(v)
            }
        }
    }

    static func offer(_ p: ParsedCommand) throws {
        let common = Common(p)
        let bandwidth = try p.int("bandwidth"), wanType = p.value("wan-type"), metered = p.flag("metered")
        try failing(common) {
            let v = try common.service.offerResult(UplinkService.OfferRequest(bandwidthMbps: bandwidth, wanType: wanType,
                                                                              metered: metered ? true : nil))
            emit(common, v) { v in
                "Offering this router's WAN on port \(Output.text(v["listen_port"])) (server key \(Output.text(v["public_key"])), consumers get addresses from \(Output.text(v["pool"]))).\nThe daemon announces it to the mesh peers and grants requests.\n" + describeOutcome(v)
            }
        }
    }

    static func withdraw(_ p: ParsedCommand) throws {
        let common = Common(p)
        try failing(common) {
            let o = try common.service.withdraw()
            var j = JSONObject()
            j.set("success", true)
            j.set("offering", false)
            ResultJSON.outcome(o, into: &j)
            emit(common, j.value) { "Offer withdrawn.\n" + describeOutcome($0) }
        }
    }

    static func apply(_ p: ParsedCommand) throws {
        let common = Common(p)
        try failing(common) {
            let o = try common.service.apply()
            var j = JSONObject()
            j.set("success", true)
            ResultJSON.outcome(o, into: &j)
            emit(common, j.value) { describeOutcome($0) }
        }
    }
}
