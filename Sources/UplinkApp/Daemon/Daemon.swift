#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

/// `wgctl uplink daemon`: watches every path and keeps the default route on the best one.
///
/// One thread runs a poll loop over: a netlink socket (carrier changes wake it at once), the
/// wake socket (hotplug events, `apply` asking for a reload), the fast-probe sockets and the
/// pipe of the worker thread that runs full checks every check_interval. On the Linux backend
/// it owns the kernel state and moves the default route itself; with mwan3 it measures, keeps
/// the runtime state, flushes a dead WAN's connections, and leaves switching to mwan3.
public final class Daemon {
    let service: UplinkService
    var configuration: UplinkConfiguration
    var backend: BackendKind
    var policy: HealthPolicy
    var specs: [PathSpec] = []
    var trackers: [String: PathTracker] = [:]
    var fast: [String: FastProbe] = [:]
    /// The path carrying each family's default route (a path key, or `Daemon.unreachable`).
    var activeByFamily: [AddressFamily: String] = [:]
    /// The IPv4 default path (what `active` always meant).
    var active: String? {
        get { activeByFamily[.ipv4] }
        set { activeByFamily[.ipv4] = newValue }
    }
    /// activeByFamily's value when no path carries the family (IPv6 only: the router answers
    /// "no route" at once, LinuxKernel.DefaultPath.unreachable).
    static let unreachable = PathSelector.unreachable
    var state: RuntimeState
    let store: RuntimeStateStore
    let kernel = LinuxKernel()
    /// The monotonic clock the loop's decisions read (a test's may run ahead of the real one).
    var clock: () -> Double = { Clock.monotonic() }
    /// Links, devices and probe sockets (the kernel's, or a test's).
    let senses: DaemonSenses
    let wake: WakeSocket
    let checks: BackgroundChecks
    var nextRound = 0.0
    var nextFullCheck = 0.0
    var nextSave = 0.0
    var dirty = true
    var daemonLock: FileLock?
    let mesh: MeshAgent
    let dnsmasq: DnsmasqServers
    /// Said once per run: no running dnsmasq to reload after a change of the servers-file.
    var dnsmasqMissingSaid = false
    /// What the mesh last heard from us: nil = not offering, else whether available.
    var announced: Bool? = nil
    let log: (String) -> Void
    /// mwan3's levers and the holds taken with them (mwan3 backend): see Mwan3Hold.
    let mwan3: Mwan3Controlling
    var held: Set<String>
    var lastMwan3Command: [String: (action: Mwan3Hold.Action, at: Double)] = [:]
    /// mwan3's default-routing mark on the fast probes, so a held WAN can still be probed.
    var mwan3Mark: UInt32?
    var nextMwan3Check = Double.infinity
    /// Where each mwan3 interface's table is and which interfaces share a policy (mwan3 backend).
    var mwan3Layout = Mwan3Layout()
    /// mwan3 reconciliation (DaemonMwan3Reconcile): when to look next at tables, and the
    /// attempts made per interface at a repair or a put-back.
    var nextMwan3Reconcile = 0.0
    var mwan3Attempts: [String: (count: Int, last: Double)] = [:]
    /// WAN paths whose device or route went away, kept down until they return (DaemonDevices).
    var vanished: [String: PathTracker] = [:]
    /// The WANs the configuration names, device or not (nil: WANs are found by their routes).
    var configuredWANs: Set<String>?
    /// Whether each online interface's mwan3 table had a default route at the last look.
    var lastTableLook: [String: Bool] = [:]
    /// Interfaces whose mwan3 tracker is disabled while nothing of ours holds them.
    var mwan3Untracked: Set<String> = []
    /// Since when each interface's table was seen without its default route (one look is no
    /// verdict: mwan3rtmon fills tables just after mwan3 starts).
    var tableMissingSince: [String: Double] = [:]
    /// Said once per interface and problem, until it goes away.
    var mwan3ProblemSaid: [String: String] = [:]
    /// What keeps the backend from failing over (mwan3 stopped...), logged when it changes.
    var backendProblem: BackendProblem?
    /// Uplinks whose WireGuard session was renewed while down: when, and how often in a row.
    var sessionRenewals: [String: (at: Double, count: Int)] = [:]
    /// option auto_add (DaemonAutoAdd): the worker that adds or removes, when to decide next,
    /// and the explanation last logged.
    let autoAddWorker: AutoAddWorker
    var nextAutoAdd = 0.0
    /// When this daemon started (monotonic): AutoAdd removes nothing in its first minutes.
    let startedAt = Clock.monotonic()
    var autoAddSaid: String?

    public init(service: UplinkService, mwan3: Mwan3Controlling? = nil, senses: DaemonSenses? = nil,
                log: @escaping (String) -> Void) throws(UplinkError) {
        self.service = service
        self.log = log
        self.mwan3 = mwan3 ?? Mwan3Control(paths: service.paths)
        held = self.mwan3.loadHolds()
        let lockPath = service.paths.path("var/run/wireguard-uplink.daemon.lock")
        daemonLock = try FileLock.acquire(lockPath, timeout: 0.2)
        let snap = try service.snapshot()
        configuration = snap.configuration
        backend = try BackendKind.choose(configuration.settings, mwan3Present: snap.tx.exists("mwan3"))
        mwan3Mark = backend == .mwan3 ? Mwan3Context.defaultRoutingMark(snap.tx.document("mwan3")?.package) : nil
        mwan3Layout = snap.tx.document("mwan3").map { Mwan3Layout(mwan3: $0.package) } ?? Mwan3Layout()
        snap.tx.finish()
        policy = HealthPolicy(settings: configuration.settings)
        store = RuntimeStateStore(paths: service.paths)
        state = store.load().state
        if let senses { self.senses = senses } else { self.senses = try SystemSenses() }
        wake = try WakeSocket(listeningAt: service.paths.wakeSocket)
        checks = try BackgroundChecks()
        autoAddWorker = try AutoAddWorker()
        mesh = MeshAgent(log: log)
        dnsmasq = DnsmasqServers(paths: service.paths)
    }

    public func run() throws(UplinkError) {
        Signals.install()
        try setUp()
        autoAddStart()
        log("started: backend \(backend.rawValue), \(specs.count) paths, fast probe every \(policy.fastPeriod) s, worst-case detection \(policy.worstCaseDetectionSeconds) s, failback after \(policy.failbackSeconds) s healthy")
        while Signals.stop == 0 {
            if Signals.reload != 0 {
                Signals.reload = 0
                reload()
            }
            let now = clock()
            var timeout = min(nextRound, nextFullCheck, nextSave, nextMwan3Check) - now
            for p in fast.values { if let d = p.nextDeadline { timeout = min(timeout, d - now) } }
            timeout = min(timeout, mesh.nextRefresh - now, (mesh.repeats.first ?? .infinity) - now)
            if offering { timeout = min(timeout, mesh.nextAnnounce - now) }
            var fds = [pollfd(fd: senses.linkEventsFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: checks.readFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: autoAddWorker.readFD, events: Int16(POLLIN), revents: 0)]
            let meshFDs = mesh.fds
            for fd in meshFDs { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            for p in fast.values { fds.append(pollfd(fd: p.fd, events: Int16(POLLIN), revents: 0)) }
            _ = poll(&fds, nfds_t(fds.count), Int32(max(0, min(timeout, 5)) * 1000) + 1)
            if fds[0].revents != 0 { onLinkEvents(senses.drainLinkEvents()) }
            if fds[1].revents != 0 { for m in wake.drain() { onMessage(m) } }
            if fds[2].revents != 0 { onCheckResults(checks.take()) }
            if fds[3].revents != 0 { onAutoAddDone() }
            if fds[4..<(4 + meshFDs.count)].contains(where: { $0.revents != 0 }) { onMeshReadable() }
            tick()
        }
        // procd sends SIGKILL term_timeout (15 s) after SIGTERM: a running automatic add and the
        // hand-back share that time
        let stopAt = clock()
        autoAddStop()
        releaseHolds(reason: "stopping", budget: max(2, Self.releaseBudget + 2 - (clock() - stopAt)))
        updateDNS(stopping: true)
        if backend == .linux {
            let removed = kernel.teardown()
            log("removed what the Linux backend installed: \(removed.isEmpty ? "nothing was left" : removed.joined(separator: ", "))")
            state.activePath = nil
            state.failoverActive = false
        }
        if backend == .linux { state.activePath6 = nil }
        saveState(force: true)
        log("stopped")
    }

    // MARK: set-up and reload

    func setUp() throws(UplinkError) {
        if backend == .mwan3 {
            // what changed while no daemon ran (an interface marked by hand, a new mwan3 WAN)
            do {
                let o = try service.apply()
                if !o.written.isEmpty { log("apply: wrote \(o.written.joined(separator: ", "))\(o.reload.map { "; \($0)" } ?? "")") }
                configuration = try service.snapshot().configurationClosing()
                // apply may have added our interfaces to mwan3's configuration: their tables and policies
                loadMwan3Layout()
            } catch {
                log("apply at start failed, going on with the configuration as it is: \(error.message)")
            }
        }
        if backend == .linux {
            let plan = LinuxPlan(configuration: configuration)
            for note in try kernel.ensure(plan) { log(note) }
            checkPolicyRules()
        }
        rebuildPaths()
        mesh.refresh(settings: configuration.settings, paths: service.paths, state: state)
        state.daemonPID = Int(getpid())
        // start on the WAN (or keep what the runtime state says is active, if it still exists)
        activeByFamily = [:]
        // a WAN without carrier (or without its device yet) is down before anything is routed to it
        for spec in specs where spec.kind == .wan && !senses.hasCarrier(spec.device) {
            markDown(spec.key, reason: senses.ifindex(spec.device) == nil ? "device \(spec.device) does not exist yet" : "no carrier")
        }
        for f in families where activeByFamily[f] == nil { switchTo(firstWAN(f), family: f, reason: "start") }
        nextFullCheck = clock()
        nextRound = clock()
        checkBackend()
        if offering, configuration.settings.ipv6, !LinuxKernel.ipv6Forwarding() {
            log("note: option ipv6 is on but this router does not forward IPv6 (net.ipv6.conf.all.forwarding 0): the offer says no IPv6 and grants hold none; turn forwarding on (with accept_ra 2 on a WAN configured by router adverts)")
        }
        if !held.isEmpty { log("mwan3: holding \(held.sorted().joined(separator: ", ")) out of use from a previous run until each is healthy for \(policy.failbackSeconds) s") }
        enforceMwan3()
    }

    /// The paths as the configuration and the system are now (a WAN's device as netifd or the
    /// main table names it now).
    func currentSpecs() -> [PathSpec] {
        let known = Dictionary(specs.filter { $0.kind == .wan }.map { ($0.name, $0.device) }, uniquingKeysWith: { a, _ in a })
        // unreadable for a moment (a uci commit holds mwan3's config): the paths as they were
        guard let read = service.readPathSpecs(configuration, backend: backend, exists: { [senses] in senses.ifindex($0) != nil }, known: known) else {
            return specs
        }
        configuredWANs = read.configuredWANs
        return read.specs
    }

    func rebuildPaths(_ fresh: [PathSpec]? = nil) {
        let next = fresh ?? currentSpecs()
        keepVanished(trackers, fresh: next)
        specs = next
        var kept: [String: PathTracker] = [:]
        for spec in specs {
            let returning = vanished.removeValue(forKey: spec.key)
            var t = trackers[spec.key] ?? returning ?? state.paths[spec.key].map(PathTracker.init)
                ?? PathTracker(PathHealth(kind: spec.kind, name: spec.name, device: spec.device, family: spec.family))
            t.health.device = spec.device
            t.health.family = spec.family
            if trackers[spec.key] == nil && returning == nil {
                // health from a previous run is stale: start unknown, keep the figures; a path
                // still held out of mwan3 was down when held: it must earn the full hysteresis
                t.health.state = backend == .mwan3 && held.contains(mwan3Interface(spec)) ? .down : .unknown
                t.health.consecutiveFailures = 0
                t.health.consecutiveSuccesses = 0
            }
            kept[spec.key] = t
        }
        trackers = kept
        for key in state.paths.keys where trackers[key] == nil && vanished[key] == nil { state.paths[key] = nil }
        refreshFastSet()
        dirty = true
    }

    func reload() {
        do {
            if backend == .mwan3 {
                // the configuration changed (uci commit, LuCI): render network and mwan3 from it
                let o = try service.apply()
                if !o.written.isEmpty { log("apply: wrote \(o.written.joined(separator: ", "))\(o.reload.map { "; \($0)" } ?? "")") }
            }
            let snap = try service.snapshot()
            configuration = snap.configuration
            backend = try BackendKind.choose(configuration.settings, mwan3Present: snap.tx.exists("mwan3"))
            mwan3Mark = backend == .mwan3 ? Mwan3Context.defaultRoutingMark(snap.tx.document("mwan3")?.package) : nil
            mwan3Layout = snap.tx.document("mwan3").map { Mwan3Layout(mwan3: $0.package) } ?? Mwan3Layout()
            snap.tx.finish()
            policy = HealthPolicy(settings: configuration.settings)
            if backend != .mwan3 { releaseHolds(reason: "backend is \(backend.rawValue)") }
            if backend == .linux {
                for note in try kernel.ensure(LinuxPlan(configuration: configuration)) { log(note) }
            }
            rebuildPaths()
            mesh.refresh(settings: configuration.settings, paths: service.paths, state: state)
            for (f, a) in activeByFamily where a != Self.unreachable && trackers[a] == nil { activeByFamily[f] = nil }
            if !families.contains(.ipv6), activeByFamily.removeValue(forKey: .ipv6) != nil || state.activePath6 != nil {
                state.activePath6 = nil
                if backend == .linux {
                    kernel.withdraw(family: .ipv6)
                    log("IPv6 is no longer managed: its rules and table are removed")
                }
            }
            reselect(reason: "configuration reloaded")
            updateDNS()
            for f in families where activeByFamily[f] == nil { switchTo(firstWAN(f), family: f, reason: "configuration reloaded") }
            nextFullCheck = clock()
            announceIfDue(force: true)
            enforceMwan3()
            log("configuration reloaded: \(specs.count) paths")
        } catch {
            log("reload failed, keeping the previous configuration: \(error.message)")
        }
    }

    // MARK: events

    /// A link changed: a carrier lost takes a WAN down at once; a device that appeared, went or
    /// was made again under its name re-reads the paths and re-binds their probes.
    func onLinkEvents(_ names: Set<String>, rereadPaths: Bool = true) {
        for spec in specs where names.contains(spec.device) || names.isEmpty {
            let carrier = senses.hasCarrier(spec.device)
            if spec.kind == .wan && !carrier, trackers[spec.key]?.health.state != .down {
                markDown(spec.key, reason: senses.ifindex(spec.device) == nil ? "device \(spec.device) is gone" : "carrier lost on \(spec.device)")
            }
        }
        followDevices(names, rereadPaths: rereadPaths)
    }

    /// `reload`, `check`, or a hotplug event `ACTION INTERFACE [DEVICE]`.
    func onMessage(_ m: String) {
        let parts = m.split(separator: " ").map(String.init)
        guard let action = parts.first else { return }
        switch action {
        case "reload":
            reload()
        case "check":
            nextFullCheck = clock()
        case "ifdown", "disconnected":
            guard parts.count >= 2 else { return }
            let iface = parts[1]
            defer { if action == "ifdown" { refreshPaths(reason: "ifdown \(iface)") } }
            // the event names a netifd interface (wan, wan6) or a device both families share;
            // hotplug's DEVICE names the device (on the Linux backend a WAN is its device)
            // (with mwan3, wan and wan6 share a device: there the interface's name alone counts)
            let device = backend == .linux && parts.count >= 3 ? parts[2] : nil
            for spec in specs where spec.kind == .wan && (spec.name == iface || spec.device == iface || spec.device == device) {
                if backend == .mwan3, let addr = kernel.address(of: spec.device, family: spec.family) {
                    kernel.flushConntrack(replyDestination: addr)
                    log("\(action) \(iface): flushed connections NATed to \(addr)")
                }
                markDown(spec.key, reason: "\(action) event for \(iface)")
            }
        case "ifup", "connected":
            // a WAN's device may be new (a PPPoE session is a new pppoe-wan): read it again
            if action == "ifup" { refreshPaths(reason: "ifup \(parts.dropFirst().joined(separator: " "))") }
            onLinkEvents([], rereadPaths: false)
            nextRound = clock()
            // a netifd ifup (or an mwan3 restart) may have put a held interface back in use
            enforceMwan3()
        default:
            break
        }
    }

    func onCheckResults(_ results: [(String, PathCheck)]) {
        let now = Clock.now()
        var changed = false
        for (key, check) in results {
            guard var t = trackers[key] else { continue }
            let before = t.health.state
            // a held path's checks go through mwan3's routing, which no longer uses it: its
            // recovery is the fast loop's call (those probes carry mwan3's default mark)
            if backend == .mwan3, let spec = specs.first(where: { $0.key == key }), held.contains(mwan3Interface(spec)) { continue }
            // the fast loop owns the state of paths it probes; a verdict older than the state is ignored
            t.absorb(check: check, fastOwned: fast[key] != nil, at: now, policy: policy)
            if t.health.state != before {
                log("\(key): \(before.rawValue) → \(t.health.state.rawValue) (full check: \(t.health.detail ?? "-"))")
                changed = true
            }
            trackers[key] = t
        }
        dirty = true
        reselect(reason: "full check")
        renewDownSessions()
        reorderByLatency()
        // status reads the saved state: a change of state is saved at once, as the fast loop's is
        if changed { saveState(force: true) }
    }

    /// prefer_latency with mwan3: adopt a new metric order (a full mwan3 restart) at most once
    /// per 10 minutes, never while failed over.
    func reorderByLatency() {
        guard backend == .mwan3, configuration.settings.preferLatency else { return }
        let candidates = configuration.uplinks.filter(\.enabled).map { u in
            let h = trackers["uplink:\(u.peer.rawValue)"]?.health
            return LatencyOrder.Candidate(peer: u.peer, priority: u.priority, latencyMs: h?.latencyMs,
                                          healthy: h?.state == .up || h?.state == .degraded)
        }
        let current = state.latencyOrder.compactMap { try? PeerID(validating: $0) }
        guard let order = LatencyOrder.decide(current: current, candidates: candidates, lastReorder: state.lastReorder,
                                              now: Clock.now(), failedOver: active?.hasPrefix("uplink:") ?? false) else { return }
        state.latencyOrder = order.map(\.rawValue)
        state.lastReorder = Clock.now()
        saveState(force: true)
        do {
            let o = try service.apply()
            log("prefer_latency: uplink order \(state.latencyOrder.joined(separator: " > "))\(o.written.isEmpty ? " (no metric changed)" : "; wrote \(o.written.joined(separator: ", "))")")
        } catch {
            log("prefer_latency: cannot apply the new order: \(error.message)")
        }
    }

    // MARK: the loop's timers

    func tick() {
        let now = clock()
        fastStep(now: now)
        if now >= nextFullCheck {
            checkBackend()
            refreshPaths(reason: "periodic look")
            let jobs = specs.map { ($0, fast[$0.key] == nil) }
            if checks.start(jobs, settings: configuration.settings) {
                nextFullCheck = now + policy.checkInterval
            } else {
                nextFullCheck = now + 1
            }
        }
        if now >= mesh.nextRefresh { mesh.refresh(settings: configuration.settings, paths: service.paths, state: state) }
        announceIfDue()
        autoAddIfDue()
        let wall2 = Clock.now()
        for (k, o) in state.offers where o.isExpired(at: wall2) {
            state.offers[k] = nil
            dirty = true
            if configuration.uplink(for: o.peer) != nil { reselect(reason: "offer from \(o.peer) expired") }
        }
        if now >= nextSave {
            saveState(force: false)
            nextSave = now + 5
        }
    }

    /// The fast loop's part of a tick: the probes' outcomes become verdicts, the next round
    /// goes out, a probe whose device went is re-bound, and mwan3 follows the verdicts.
    func fastStep(now: Double) {
        var changed = false
        let wall = Clock.now()
        for (key, probe) in fast {
            for outcome in probe.collect(now: now) {
                guard var t = trackers[key] else { continue }
                let before = t.health.state
                if t.record(success: outcome.success, rttMs: outcome.rttMs, at: wall, policy: policy) {
                    log("\(key): \(before.rawValue) → \(t.health.state.rawValue) (\(outcome.success ? "answered" : "\(t.health.consecutiveFailures) probes lost"))")
                    changed = true
                }
                trackers[key] = t
            }
        }
        if now >= nextRound {
            for p in fast.values { p.sendRound(now: now, timeout: policy.probeTimeout) }
            nextRound = now + policy.fastPeriod
        }
        if fast.values.contains(where: \.deviceGone) { followDevices([]) }
        if changed {
            dirty = true
            reselect(reason: "health changed")
            renewDownSessions()
            saveState(force: true)
        }
        if changed || now >= nextMwan3Check { enforceMwan3() }
    }

    // MARK: decisions

    func markDown(_ key: String, reason: String) {
        guard var t = trackers[key] else { return }
        t.health.consecutiveFailures = max(t.health.consecutiveFailures, policy.failuresToFail)
        t.health.consecutiveSuccesses = 0
        t.health.detail = reason
        t.health.lossPct = nil
        t.health.latencyMs = nil
        let was = t.health.state
        t.set(.down, Clock.now())
        trackers[key] = t
        if was != .down { log("\(key): \(was.rawValue) → down (\(reason))") }
        dirty = true
        reselect(reason: reason)
        enforceMwan3()
    }

    /// The families the daemon routes: IPv4, and IPv6 with `option ipv6 '1'`.
    var families: [AddressFamily] { configuration.settings.ipv6 ? [.ipv4, .ipv6] : [.ipv4] }

    func firstWAN(_ family: AddressFamily) -> String? {
        specs.first { $0.kind == .wan && $0.family == family }?.key
    }

    func candidates(_ family: AddressFamily) -> (wans: [PathCandidate], uplinks: [PathCandidate]) {
        var wans: [PathCandidate] = [], ups: [PathCandidate] = []
        for spec in specs where spec.family == family {
            guard let t = trackers[spec.key] else { continue }
            if spec.kind == .wan {
                wans.append(PathCandidate(key: spec.key, health: t.health))
            } else if let u = spec.uplink {
                let offer = state.offers[u.peer.rawValue]
                let offerOK: Bool? = offer.map { $0.available && !$0.isExpired(at: Clock.now()) }
                ups.append(PathCandidate(key: spec.key, health: t.health, priority: u.priority, offerAvailable: offerOK,
                                         metered: offer?.metered ?? false, bandwidthMbps: offer?.bandwidthMbps))
            }
        }
        return (wans, ups)
    }

    /// Chooses each family's path on its own: a provider may carry IPv4 and not IPv6.
    func reselect(reason: String) {
        for f in families {
            let (wans, ups) = candidates(f)
            let current = activeByFamily[f]
            // with mwan3 its own last_resort (stock: unreachable) does the same for IPv6
            let choice = PathSelector.choose(family: f, current: current, wans: wans, uplinks: ups, settings: configuration.settings,
                                             canWithdraw: backend == .linux)
            if choice != current { switchTo(choice, family: f, reason: reason) }
        }
    }

    func switchTo(_ key: String?, family: AddressFamily = .ipv4, reason: String) {
        let old = activeByFamily[family]
        let spec = specs.first { $0.key == key && $0.family == family }
        guard let key, spec != nil || key == Self.unreachable else {
            activeByFamily[family] = nil
            refreshFastSet()
            return
        }
        if backend == .linux {
            do {
                switch spec?.kind {
                case .wan?:
                    let main = kernel.wans(configured: [], family: family)
                    let gw = spec!.gateway ?? main.first { $0.device == spec!.device }?.gateway
                    try kernel.setDefault(.wan(device: spec!.device, gateway: gw),
                                          divert: PolicyRules.mustDivert(uplink: false, device: spec!.device, mainDefault: main.first?.device),
                                          family: family)
                case .uplink?:
                    try kernel.setDefault(.uplink(device: spec!.device), divert: true, family: family)
                case nil:
                    try kernel.setDefault(.unreachable, divert: true, family: family)
                }
            } catch {
                log("cannot move the \(family == .ipv4 ? "" : "IPv6 ")default route to \(key): \(error.message)")
                return
            }
            // connections NATed to the old path would keep its address: make them start over
            if let old, let oldSpec = specs.first(where: { $0.key == old }) {
                if let addr = natAddress(oldSpec) { kernel.flushConntrack(replyDestination: addr) }
                // an IPv6 WAN routes the LAN's own addresses, un-NATed: those flows have no NAT
                // binding to flush by, and would keep their LAN source through the uplink
                // (which carries only its granted /128); every forwarded IPv6 flow starts over
                if family == .ipv6, oldSpec.kind == .wan, spec?.kind != .wan, configuration.settings.moveFlows {
                    kernel.flushConntrack(family: .ipv6)
                }
            }
        }
        activeByFamily[family] = key
        if family == .ipv4 { state.activePath = key } else { state.activePath6 = key }
        state.failoverActive = activeByFamily.values.contains { $0.hasPrefix("uplink:") }
        refreshFastSet()
        log("\(family == .ipv4 ? "" : "IPv6 ")default route: \(old ?? "none") → \(key) (\(reason))")
        if family == .ipv4 { updateDNS() }
        saveState(force: true)
    }

    func natAddress(_ spec: PathSpec) -> String? {
        if spec.kind == .uplink, let a = spec.uplink?.addresses.first(where: { spec.family.contains($0.address) }) { return a.address.description }
        return kernel.address(of: spec.device, family: spec.family)
    }

    /// Fast-probed paths: the active one, and every WAN while failed over.
    func refreshFastSet() {
        var wanted = Set<String>()
        for (f, a) in activeByFamily {
            if a != Self.unreachable { wanted.insert(a) }
            // off the WAN: every WAN of the family is watched for its return
            if a.hasPrefix("uplink:") || a == Self.unreachable {
                for s in specs where s.kind == .wan && s.family == f { wanted.insert(s.key) }
            }
        }
        // a WAN that is down is watched for recovery even while on another WAN
        for s in specs where s.kind == .wan && trackers[s.key]?.health.state == .down { wanted.insert(s.key) }
        // a path held out of mwan3 is watched until it may go back; one whose mwan3 tracker is
        // disabled (mwan3's one-shot start) is watched so the repair needs no full check
        if backend == .mwan3 {
            for s in specs where held.contains(mwan3Interface(s)) || mwan3Untracked.contains(mwan3Interface(s)) { wanted.insert(s.key) }
        }
        for key in fast.keys where !wanted.contains(key) { fast[key] = nil }
        for key in wanted {
            guard let spec = specs.first(where: { $0.key == key }) else { continue }
            let index = senses.ifindex(spec.device)
            if let p = fast[key] {
                // a probe follows its device: one bound to a device that is gone or was made
                // again (another index), or to another device, is replaced
                guard p.device != spec.device || p.boundIndex != index || p.deviceGone else { continue }
                fast[key] = nil
                log("\(key): probe re-bound (\(Self.describeRebind(p, spec: spec, index: index)))")
            }
            guard index != nil else { continue }
            do {
                let socket = try senses.openProbe(device: spec.device, family: spec.family, mark: mwan3Mark)
                fast[key] = FastProbe(key: key, device: spec.device, socket: socket, targets: configuration.settings.trackTargets(spec.family))
            } catch {
                log("cannot probe \(key): \(error.message)")
            }
        }
    }

    func saveState(force: Bool) {
        guard force || dirty else { return }
        state.meshSeen = mesh.seen
        state.paths = [:]
        for (k, t) in vanished { state.paths[k] = t.health }
        for (k, t) in trackers { state.paths[k] = t.health }
        state.updated = Clock.now()
        state.daemonUpdated = state.updated
        state.daemonPID = Int(getpid())
        let mine = state
        do {
            // what is on disk now, with the daemon's part replaced (RuntimeState.adopting)
            state = try store.update(timeout: 1) { disk, _ in disk = disk.adopting(daemon: mine, now: mine.updated) }.state
            dirty = false
        } catch {
            log("cannot save the runtime state: \(error.message)")
        }
    }
}
