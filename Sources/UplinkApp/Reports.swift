#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UCI
import UplinkCore
import UplinkSystem

/// The read side: `list` and `status`, as JSON that the CLI tables and rpcd both use.
/// Field names here are the contract the dashboard reads (README "rpcd reference").
extension UplinkService {
    public func list() throws(UplinkError) -> JSONValue {
        let snap = try snapshot()
        let cfg = snap.configuration
        let plan = try? currentPlan(snap)
        let now = Clock.now()
        let backend = (try? BackendKind.choose(cfg.settings, mwan3Present: snap.tx.exists("mwan3")))?.rawValue ?? "invalid"
        let active = activePath(snap, plan: plan, backend: backend)
        var uplinks: [JSONValue] = []
        for u in cfg.uplinks {
            uplinks.append(uplinkJSON(u, plan: plan, state: snap.state, activeKey: active.key))
        }
        var offers: [JSONValue] = []
        for key in snap.state.offers.keys.sorted() {
            let o = snap.state.offers[key]!
            guard !o.isExpired(at: now) else { continue }
            var j = JSONObject()
            j.set("peer_id", o.peer.rawValue)
            j.set("endpoint", o.endpoint.description)
            j.set("public_key", o.publicKey.base64)
            j.set("bandwidth_mbps", o.bandwidthMbps)
            j.set("latency_ms", o.latencyMs)
            j.set("wan_type", o.wanType)
            j.set("available", o.available)
            j.set("metered", o.metered)
            j.set("ipv6", o.ipv6)
            j.set("age_s", Int(max(0, now - o.received)))
            j.set("expires_in_s", Int(max(0, o.expires - now)))
            j.set("trusted", o.trusted)
            j.set("via", o.via)
            j.set("configured", cfg.uplink(for: o.peer) != nil)
            offers.append(j.value)
        }
        var out = JSONObject()
        out.set("success", true)
        out.set("now", now)
        out.set("uplinks", .array(uplinks))
        out.set("offers", .array(offers))
        out.set("enabled", cfg.settings.enabled)
        out.set("auto_failover", cfg.settings.autoFailover)
        out.set("state_file", stateFileJSON(snap.stateCondition))
        return out.value
    }

    public func status() throws(UplinkError) -> JSONValue {
        let snap = try snapshot()
        let cfg = snap.configuration
        let s = cfg.settings
        var warnings: [String] = []
        var plan: Plan? = nil
        do { plan = try currentPlan(snap) } catch { warnings.append(error.message) }
        warnings += plan?.warnings ?? []
        let usable = cfg.uplinks.filter { u in
            u.usable && [.up, .degraded].contains(snap.state.paths["uplink:\(u.peer.rawValue)"]?.state ?? .unknown)
        }.count
        let autoAdd = autoAddStatus(snap, now: Clock.now())
        if s.enabled && s.autoFailover && snap.state.daemonPID != nil && usable < s.minUplinks {
            let have = usable == 0 ? "no healthy uplink is on standby" : "only \(usable) healthy uplink\(usable == 1 ? " is" : "s are") on standby"
            warnings.append("\(have), fewer than min_uplinks (\(s.minUplinks)): "
                            + (s.autoAdd ? "auto_add: \(autoAdd.why)" : "add uplinks from the offers mesh peers make (or turn on option auto_add)"))
        }
        let backend = (try? BackendKind.choose(s, mwan3Present: snap.tx.exists("mwan3")))?.rawValue ?? "invalid"
        let active = activePath(snap, plan: plan, backend: backend)
        let active6 = s.ipv6 ? activePath(snap, plan: plan, backend: backend, family: .ipv6) : ActivePath(source: "unmanaged")
        let decided = daemonPath(snap)
        let mwan3 = Mwan3Control(paths: paths)
        let held = backend == "mwan3" ? mwan3.loadHolds() : []
        let problem = BackendKind(rawValue: backend).flatMap { BackendProblem.of($0, configured: s.backend, mwan3: mwan3.service()) }
        if let problem { warnings.insert(problem.message, at: 0) }

        var out = JSONObject()
        out.set("success", true)
        out.set("now", Clock.now())
        out.set("enabled", s.enabled)
        out.set("auto_failover", s.autoFailover)
        out.set("backend", backend)
        out.set("backend_problem", problem?.json ?? .null)
        out.set("min_uplinks", s.minUplinks)
        out.set("check_interval", s.checkInterval)
        out.set("failover_timeout", s.failoverTimeout)
        out.set("prefer_latency", s.preferLatency)
        out.set("policy", plan?.policy)
        out.set("active_path", active.key)
        out.set("active_kind", active.kind)
        out.set("active_name", active.name)
        out.set("active_source", active.source)
        out.set("failover_active", active.kind == "uplink" || active6.kind == "uplink")
        // IPv6 is chosen on its own (option ipv6): its path, or "unreachable" when none carries it
        out.set("active_path_ipv6", active6.key)
        out.set("active_source_ipv6", s.ipv6 ? active6.source : nil)
        // what the daemon measured and decided, apart from where traffic goes (mwan3's view)
        out.set("daemon_path", decided?.key)
        out.set("mwan3_held", .array(held.sorted().map(JSONValue.string)))
        // where mwan3's own state disagreed with the daemon's and what it did (DaemonMwan3Reconcile)
        out.set("mwan3_repairs", .array(backend == "mwan3" ? snap.state.mwan3.repairs.map(Mwan3Record.encode) : []))
        out.set("mwan3_pending", .array(backend == "mwan3" ? snap.state.mwan3.pending.keys.sorted().map(JSONValue.string) : []))
        out.set("healthy_uplinks", usable)
        out.set("auto_add", autoAdd.json)
        var detection = JSONObject()
        detection.set("uplink_tracking_s", plan?.tracking?.worstCaseDetection)
        detection.set("uplink_recovery_s", plan?.tracking?.worstCaseRecovery)
        detection.set("wan_tracking_s", .object((plan?.wanDetection ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))
        let policy = HealthPolicy(settings: s)
        detection.set("daemon_s", daemonDetectionSeconds(s))
        detection.set("switch_s", HealthPolicy.switchSeconds(mwan3: backend == "mwan3"))
        detection.set("worst_case_s", policy.worstCaseToSwitch(mwan3: backend == "mwan3"))
        detection.set("failback_s", HealthPolicy(settings: s).failbackSeconds)
        detection.set("probe_rate_pps", HealthPolicy(settings: s).probesPerSecond)
        out.set("detection", detection.value)
        var wans: [JSONValue] = []
        for key in snap.state.paths.keys.sorted() where snap.state.paths[key]!.kind == .wan {
            let h = snap.state.paths[key]!
            wans.append(healthJSON(h, active: active.key == key || active6.key == key,
                                   mwan3: backend == "mwan3" ? (mwan3.interfaceState(h.name), held.contains(h.name)) : nil))
        }
        out.set("wans", .array(wans))
        out.set("uplinks", .array(cfg.uplinks.map { u in
            var j = uplinkJSON(u, plan: plan, state: snap.state, activeKey: active.key, activeKey6: active6.key)
            if backend == "mwan3", case .object(var o) = j {
                o.append(("mwan3_state", mwan3.interfaceState(u.interface).map(JSONValue.string) ?? .null))
                o.append(("held", .bool(held.contains(u.interface))))
                j = .object(o)
            }
            return j
        }))
        let pid = snap.state.daemonPID
        var daemon = JSONObject()
        daemon.set("running", pid.map { kill(pid_t($0), 0) == 0 } ?? false)
        daemon.set("pid", pid)
        daemon.set("updated", snap.state.daemonUpdated)
        out.set("daemon", daemon.value)
        var offer = JSONObject()
        let o = cfg.offer
        offer.set("offering", o.enabled && s.enabled)
        offer.set("available", o.enabled ? snap.state.ownOffer?.available : nil)
        offer.set("peer_id", s.nodeID)
        offer.set("listen_port", o.listenPort)
        offer.set("pool", o.pool.description)
        offer.set("public_key", o.privateKey.flatMap { try? Keys.publicKey(for: $0).base64 })
        offer.set("bandwidth_mbps", o.bandwidthMbps)
        offer.set("wan_type", o.wanType)
        offer.set("metered", o.metered)
        offer.set("consumers", cfg.grants.count)
        offer.set("announced", snap.state.ownOffer?.announced)
        out.set("offer", offer.value)
        // what dnsmasq asks now (option manage_dns): the active uplink's DNS while failed over
        let dnsmasq = DnsmasqServers(paths: paths)
        if s.manageDNS, let tx = try? ConfigTransaction(paths: paths, packages: ["dhcp"], write: false),
           let why = DNSUpstreams.readerProblem(dhcp: tx.document("dhcp")?.package, file: DNSUpstreams.path) {
            warnings.append(why)
        }
        var dns = JSONObject()
        dns.set("managed", s.manageDNS)
        dns.set("servers_file", dnsmasq.file)
        dns.set("servers", .array(DNSUpstreams.servers(in: dnsmasq.current() ?? "").map(JSONValue.string)))
        out.set("dns", dns.value)
        out.set("mesh_counters", .object(snap.state.counters.keys.sorted().map { ($0, .int(Int64(snap.state.counters[$0]!))) }))
        out.set("warnings", .array(warnings.map(JSONValue.string)))
        out.set("state_file", stateFileJSON(snap.stateCondition))
        return out.value
    }

    /// Worst case for the daemon's own fast loop (health issue): consecutive misses × period.
    func daemonDetectionSeconds(_ s: Settings) -> Double {
        HealthPolicy(settings: s).worstCaseDetectionSeconds
    }

    func currentPlan(_ snap: Snapshot) throws(UplinkError) -> Plan {
        let cfg = snap.configuration
        let backend = try BackendKind.choose(cfg.settings, mwan3Present: snap.tx.exists("mwan3"))
        if backend == .linux { return try Planner.plan(PlanInput(configuration: cfg, network: UCIPackage())) }
        return try Planner.plan(PlanInput(configuration: cfg, network: snap.tx.documentOrEmpty("network").package,
                                          mwan3: snap.tx.document("mwan3")?.package,
                                          firewall: snap.tx.document("firewall")?.package, rankOverride: latencyRank(cfg)))
    }

    struct ActivePath {
        var key: String?
        var kind: String?
        var name: String?
        var source: String
    }

    /// Where traffic goes. On the mwan3 backend that is mwan3's word (its per-interface state,
    /// written by every ifup/ifdown including the daemon's, else its trackers' status files, run
    /// through the mwan3 model): a decision mwan3 has not carried out is not shown as done. On
    /// the Linux backend the daemon moves the route itself, so its word is the truth.
    func activePath(_ snap: Snapshot, plan: Plan?, backend: String, family: AddressFamily = .ipv4) -> ActivePath {
        if backend == "mwan3", let p = mwan3Path(snap, family: family) { return p }
        return daemonPath(snap, family: family) ?? ActivePath(source: "unknown")
    }

    /// The daemon's decision, while it runs.
    func daemonPath(_ snap: Snapshot, family: AddressFamily = .ipv4) -> ActivePath? {
        guard let pid = snap.state.daemonPID, kill(pid_t(pid), 0) == 0,
              let key = family == .ipv4 ? snap.state.activePath : snap.state.activePath6 else { return nil }
        let parts = AddressFamily.parts(ofKey: key)
        return ActivePath(key: key, kind: parts?.kind, name: parts?.name, source: "daemon")
    }

    func mwan3Path(_ snap: Snapshot, family: AddressFamily = .ipv4) -> ActivePath? {
        guard let mwan3 = snap.tx.document("mwan3")?.package else { return nil }
        let control = Mwan3Control(paths: paths)
        var online = Set<String>(), known = false
        for s in mwan3.sections where s.type == "interface" {
            guard let n = s.name else { continue }
            var state = control.interfaceState(n)
            if state == nil, let b = (try? Files.read(paths.mwan3TrackDir + "/" + n + "/STATUS", limit: 64)).flatMap({ $0 }) {
                state = String(decoding: b, as: UTF8.self).trimmingNewlines()
            }
            if state != nil { known = true }
            if state == "online" { online.insert(n) }
        }
        guard known else { return nil }
        let probe = Mwan3Model.Packet(proto: "icmp", destination: IPAddress(family == .ipv4 ? "192.0.2.1" : "2001:db8::1")!)
        guard !online.isEmpty, case .interfaces(let ifs) = Mwan3Model(mwan3).decide(probe, online: online), let first = ifs.first else {
            return ActivePath(source: "mwan3")
        }
        let uplinkInterface: (UplinkConfig) -> String = { family == .ipv4 ? $0.interface : InterfaceNaming.ipv6InterfaceName(interface: $0.interface) }
        if let u = snap.configuration.uplinks.first(where: { uplinkInterface($0) == first }) {
            return ActivePath(key: family.key(kind: .uplink, name: u.peer.rawValue), kind: "uplink", name: u.peer.rawValue, source: "mwan3")
        }
        return ActivePath(key: family.key(kind: .wan, name: first), kind: "wan", name: first, source: "mwan3")
    }

    func uplinkJSON(_ u: UplinkConfig, plan: Plan?, state: RuntimeState, activeKey: String? = nil, activeKey6: String? = nil) -> JSONValue {
        let key = "uplink:\(u.peer.rawValue)"
        let placement = plan?.uplinks.first { $0.peer == u.peer }
        var j = JSONObject()
        j.set("peer_id", u.peer.rawValue)
        j.set("interface", u.interface)
        // an adopted interface that no longer fits has no tunnel read from it
        j.set("endpoint", u.endpoint.host.isEmpty ? nil : u.endpoint.description)
        j.set("public_key", u.publicKey == UplinkConfig.unknownKey ? nil : u.publicKey.base64)
        j.set("local_public_key", u.ownPublicKey?.base64)
        j.set("address", .array(u.addresses.map { .string($0.description) }))
        j.set("priority", u.priority)
        j.set("weight", u.weight)
        j.set("enabled", u.enabled)
        j.set("automatic", u.automatic)
        // an administrator's interface taken in as it is, and why it cannot be used now
        j.set("adopted", u.adopted)
        if u.device != u.interface { j.set("device", u.device) }
        j.set("problem", u.problem)
        j.set("route_metric", placement?.routeMetric)
        j.set("mwan3_metric", placement?.memberMetric)
        let h = state.paths[key]
        figures(h, active: activeKey == key, into: &j)
        j.set("handshake_age_s", h?.handshakeAge)
        // the uplink's IPv6 side, measured and chosen on its own
        if let h6 = state.paths[key + AddressFamily.keySuffix] {
            var v6 = JSONObject()
            figures(h6, active: activeKey6 == h6.key, into: &v6)
            j.set("ipv6", v6.value)
        }
        return j.value
    }

    /// `mwan3`: on the mwan3 backend, mwan3's state of the interface and whether the daemon holds it out.
    func healthJSON(_ h: PathHealth, active: Bool, mwan3: (state: String?, held: Bool)? = nil) -> JSONValue {
        var j = JSONObject()
        j.set("name", h.name)
        j.set("family", h.family.rawValue)
        j.set("device", h.device)
        figures(h, active: active, into: &j)
        if let m = mwan3 {
            j.set("mwan3_state", m.state)
            j.set("held", m.held)
        }
        return j.value
    }

    /// A path's measured state and figures (an unmeasured path is `unknown`).
    func figures(_ h: PathHealth?, active: Bool, into j: inout JSONObject) {
        j.set("state", (h?.state ?? .unknown).rawValue)
        j.set("latency_ms", h?.latencyMs)
        j.set("loss_pct", h?.lossPct)
        j.set("since", h?.since)
        j.set("last_check", h?.lastCheck)
        j.set("detail", h?.detail)
        j.set("active", active)
    }

    func stateFileJSON(_ c: RuntimeStateStore.Condition) -> JSONValue {
        var j = JSONObject()
        j.set("path", RuntimeStateStore(paths: paths).path)
        j.set("status", c.label)
        j.set("reason", c.reason)
        return j.value
    }
}

/// JSON for write results.
public enum ResultJSON {
    public static func outcome(_ o: ApplyOutcome, into j: inout JSONObject) {
        j.set("changed", .array(o.written.map(JSONValue.string)))
        j.set("reload", o.reload)
        j.set("backend", o.backend.rawValue)
        j.set("warnings", .array(o.plan.warnings.map(JSONValue.string)))
        // interfaces marked (or un-marked) as uplinks by hand that this write took in (or let go)
        if !o.adopted.isEmpty { j.set("adopted_interfaces", .array(o.adopted.map(JSONValue.string))) }
        if !o.released.isEmpty { j.set("released_interfaces", .array(o.released.map(JSONValue.string))) }
        if o.stateFile != .ok && o.stateFile != .missing { j.set("state_file_rebuilt", o.stateFile.reason) }
    }

    public static func uplink(_ u: UplinkConfig, _ o: ApplyOutcome, action: String) -> JSONValue {
        var j = JSONObject()
        j.set("success", true)
        j.set("action", action)
        j.set("peer_id", u.peer.rawValue)
        j.set("interface", u.interface)
        j.set("endpoint", u.endpoint.description)
        let key = u.ownPublicKey?.base64
        j.set("public_key", key)
        j.set("adopted", u.adopted)
        j.set("problem", u.problem)
        j.set("address", .array(u.addresses.map { .string($0.description) }))
        j.set("priority", u.priority)
        j.set("weight", u.weight)
        j.set("gateway", u.providerAddress?.description)
        if action == "added" && !u.adopted {
            j.set("granted", o.granted)
            // a zero-touch grant already authorised the key: no instruction to follow
            let addr = u.addresses.map { $0.description }.joined(separator: ",")
            // IFACE: the provider's WireGuard interface that listens on the endpoint's port
            j.set("authorize", o.granted ? nil : "wg set IFACE peer \(key ?? "") allowed-ips \(addr)")
            j.set("authorize_where", o.granted ? nil : "on \(u.peer.rawValue), with IFACE the WireGuard interface that listens on port \(u.endpoint.port)")
        }
        outcome(o, into: &j)
        return j.value
    }

    public static func offer(_ o: OfferConfig, _ result: ApplyOutcome, nodeID: String) -> JSONValue {
        var j = JSONObject()
        j.set("success", true)
        j.set("offering", o.enabled)
        j.set("peer_id", nodeID)
        j.set("listen_port", o.listenPort)
        j.set("pool", o.pool.description)
        j.set("public_key", o.privateKey.flatMap { try? Keys.publicKey(for: $0).base64 })
        j.set("bandwidth_mbps", o.bandwidthMbps)
        j.set("wan_type", o.wanType)
        j.set("metered", o.metered)
        outcome(result, into: &j)
        return j.value
    }

    public static func error(_ e: UplinkError) -> JSONValue {
        var j = JSONObject()
        j.set("success", false)
        j.set("error", e.message)
        j.set("code", e.code.rawValue)
        return j.value
    }
}
