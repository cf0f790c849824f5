#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UCI
import UplinkCore
import UplinkSystem

/// The operations every face shares: the CLI, the rpcd plugin and the daemon call these and
/// only render their results differently.
public struct UplinkService: Sendable {
    public let paths: Paths
    public var lockTimeout: Double = 30

    public init(paths: Paths) { self.paths = paths }

    static let packages = [Settings.packageName, "network", "mwan3", "firewall"]

    var ourConfigPath: String { paths.config(Settings.packageName) }

    /// Our configuration as the write is about to change it, with the edits to our own file.
    struct Edit {
        var configuration: UplinkConfiguration
        var ours: UCIChangeSet
        let document: UCIDocument
        /// Adopted interfaces to hand back: their marker options leave the user's section.
        var unmark: [String] = []
    }

    /// The shared write path: lock, read, let `body` change our configuration, render the
    /// shared files from it, write what changed, reload, bring the runtime state in line.
    func write<T>(_ body: (inout Edit, ConfigTransaction) throws(UplinkError) -> T) throws(UplinkError) -> (T, ApplyOutcome) {
        let tx = try ConfigTransaction(paths: paths, packages: Self.packages, write: true, lockTimeout: lockTimeout)
        defer { tx.finish() }
        let ourDoc = tx.documentOrEmpty(Settings.packageName)
        var cfg = try UplinkConfiguration(package: ourDoc.package, file: ourConfigPath)
        let adoption = resolveAdoption(&cfg, tx: tx)
        var edit = Edit(configuration: cfg, ours: UCIChangeSet(ourDoc), document: ourDoc)
        // one un-marked by hand is dropped (those marked by hand are recorded after `body`)
        for u in adoption.unmarked {
            if let s = ourDoc.package.index(ofSectionNamed: u.interface) { edit.ours.deleteSection(s) }
        }
        // the stored public keys are a cache of the private keys (`wg pubkey`, a process per key):
        // a write fills in a missing one (an adopted interface's key stays in its interface)
        for (i, u) in edit.configuration.uplinks.enumerated() where u.localPublicKey == nil && !u.adopted {
            let derived = try Keys.publicKey(for: u.privateKey)
            if let s = ourDoc.package.index(ofSectionNamed: u.interface) {
                edit.configuration.uplinks[i].localPublicKey = derived
                edit.ours.setOption(section: s, name: "local_public_key", value: derived.base64)
            }
        }
        let value = try body(&edit, tx)
        // interfaces marked by hand are recorded as `body` left them (a priority set, say)
        for i in edit.configuration.uplinks.indices where !edit.configuration.uplinks[i].recorded {
            edit.ours.appendSection(edit.configuration.uplinks[i].section)
            edit.configuration.uplinks[i].recorded = true
        }
        var outcome = try render(edit.configuration, ours: edit.ours, unmark: edit.unmark, tx: tx)
        outcome.adopted = adoption.discovered.map(\.interface)
        outcome.released = adoption.unmarked.map(\.interface)
        return (value, outcome)
    }

    func render(_ cfg: UplinkConfiguration, ours: UCIChangeSet, unmark: [String] = [], tx: ConfigTransaction) throws(UplinkError) -> ApplyOutcome {
        let backend = try BackendKind.choose(cfg.settings, mwan3Present: tx.exists("mwan3"))
        var changes: [String: UCIChangeSet] = [Settings.packageName: ours]
        let plan: Plan
        if backend == .mwan3 {
            var resolved: [String: IPAddress] = [:]
            for u in cfg.uplinks where u.endpoint.address == nil {
                if let a = Resolver.resolve(u.endpoint.host) { resolved[u.endpoint.host] = a }
            }
            let input = PlanInput(configuration: cfg, network: tx.documentOrEmpty("network").package,
                                  mwan3: tx.document("mwan3")?.package, firewall: tx.document("firewall")?.package,
                                  resolved: resolved, rankOverride: latencyRank(cfg))
            var planned = try Planner.plan(input)
            planned.network.unmarked = unmark
            plan = planned
            if let doc = tx.document("network") { changes["network"] = try Reconciler.changes(doc, plan: plan.network) }
            if let doc = tx.document("mwan3"), let p = plan.mwan3 { changes["mwan3"] = try Reconciler.changes(doc, plan: p) }
            if let doc = tx.document("firewall"), let p = plan.firewall { changes["firewall"] = try Reconciler.changes(doc, plan: p) }
        } else {
            plan = try Planner.plan(PlanInput(configuration: cfg, network: UCIPackage()))
            // OpenWrt without mwan3: an adopted interface still carries its marker options
            if let doc = tx.document("network") {
                var marks = UCIChangeSet(doc)
                Reconciler.mark(&marks, markers: Adoption.markers(cfg, network: doc.package), unmarked: unmark)
                changes["network"] = marks
            }
        }
        let written = try tx.commit(changes)
        let reload = ServiceReloader(paths: paths).reload(changed: written)
        if written.contains(Settings.packageName) {
            // a running daemon picks the change up at once (no daemon: nothing listens)
            WakeSocket.send("reload", to: paths.wakeSocket)
        }
        let stateFile = syncRuntimeState(cfg, backend: backend)
        return ApplyOutcome(written: written, reload: reload, plan: plan, backend: backend, stateFile: stateFile)
    }

    /// The daemon's latency order (prefer_latency), as peer ids of configured uplinks.
    func latencyRank(_ cfg: UplinkConfiguration) -> [PeerID]? {
        guard cfg.settings.preferLatency else { return nil }
        let order = RuntimeStateStore(paths: paths).load().state.latencyOrder.compactMap { try? PeerID(validating: $0) }
            .filter { p in cfg.uplinks.contains { $0.peer == p } }
        return order.isEmpty ? nil : order
    }

    /// Makes the runtime state list exactly the configured uplinks and drops expired offers;
    /// rebuilds a bad file. While a daemon runs, the state is its to rewrite (it is notified
    /// of the change): only a bad file is rebuilt then.
    func syncRuntimeState(_ cfg: UplinkConfiguration, backend: BackendKind) -> RuntimeStateStore.Condition {
        let wanted = Dictionary(uniqueKeysWithValues: cfg.uplinks.filter(\.usable).map { ("uplink:\($0.peer.rawValue)", $0) })
        do {
            return try RuntimeStateStore(paths: paths).update { state, _ in
                if let pid = state.daemonPID, kill(pid_t(pid), 0) == 0 { return }
                Self.prune(&state, to: wanted, now: Clock.now())
            }.condition
        } catch {
            return .rebuilt("cannot save: \(error.message)")
        }
    }

    static func prune(_ state: inout RuntimeState, to wanted: [String: UplinkConfig], now: Double) {
        let before = state
        for key in state.paths.keys where state.paths[key]!.kind == .uplink && wanted[key] == nil {
            state.paths[key] = nil
        }
        for (key, u) in wanted {
            if state.paths[key] == nil {
                state.paths[key] = PathHealth(kind: .uplink, name: u.peer.rawValue, device: u.device)
            } else {
                state.paths[key]!.device = u.device
            }
        }
        for (k, o) in state.offers where o.isExpired(at: now) { state.offers[k] = nil }
        if state != before { state.updated = now }
    }

    /// A read-only snapshot: our configuration, the shared files, and the runtime state.
    struct Snapshot {
        var configuration: UplinkConfiguration
        var tx: ConfigTransaction
        var state: RuntimeState
        var stateCondition: RuntimeStateStore.Condition

        /// The configuration, with the read's locks let go.
        func configurationClosing() -> UplinkConfiguration {
            tx.finish()
            return configuration
        }
    }

    func snapshot() throws(UplinkError) -> Snapshot {
        let tx = try ConfigTransaction(paths: paths, packages: Self.packages, write: false)
        var cfg = try UplinkConfiguration(package: tx.documentOrEmpty(Settings.packageName).package, file: ourConfigPath)
        _ = resolveAdoption(&cfg, tx: tx)
        let (state, condition) = RuntimeStateStore(paths: paths).load()
        return Snapshot(configuration: cfg, tx: tx, state: state, stateCondition: condition)
    }
}

/// What a write did.
public struct ApplyOutcome: Sendable {
    public var written: [String]
    public var reload: String?
    public var plan: Plan
    public var backend: BackendKind
    public var stateFile: RuntimeStateStore.Condition
    /// The provider already authorised the uplink (zero-touch add).
    public var granted = false
    /// Interfaces marked as uplinks by hand that this write took in, and adopted interfaces
    /// whose marker was taken off by hand, so this write let them go.
    public var adopted: [String] = []
    public var released: [String] = []
}
