/// The daemon's picture of each path against mwan3's own (what users get). mwan3 looks only
/// once: mwan3track's `firstconnect` marks an interface `disabled` when netifd does not report
/// it up at that moment and then waits for an ifup hotplug; mwan3rtmon's first sync can leave an
/// interface's table without its default route; `mwan3 ifup` does nothing (and exits 0) while
/// netifd reports the interface down. None of these is retried by mwan3. This decides what the
/// daemon repairs (with `mwan3 ifup`, which restarts the tracker and rebuilds the table) and
/// whether a put-back took.
public enum Mwan3Reconcile {
    /// mwan3's view of one interface.
    public struct Observation: Equatable, Sendable {
        public var interface: String
        /// The daemon's verdict on the path.
        public var state: HealthState
        /// /var/run/mwan3/iface_state/IFACE (`online`, `offline`), nil when absent.
        public var ifaceState: String?
        /// /var/run/mwan3track/IFACE/STATUS (`online`, `offline`, `connecting`,
        /// `disconnecting`, `disabled`), nil when the tracker has no status.
        public var trackStatus: String?
        /// Whether the interface's mwan3 table has a default route (nil: not looked).
        public var tableHasDefault: Bool?

        public init(interface: String, state: HealthState, ifaceState: String?, trackStatus: String?, tableHasDefault: Bool? = nil) {
            self.interface = interface
            self.state = state
            self.ifaceState = ifaceState
            self.trackStatus = trackStatus
            self.tableHasDefault = tableHasDefault
        }
    }

    public enum Problem: String, Equatable, Sendable {
        /// The tracker is `disabled` (firstconnect found the interface down, or an ifdown
        /// nobody undid): mwan3 never uses the interface again by itself.
        case trackerDisabled = "tracker_disabled"
        /// mwan3 shows the interface online but its table has no default route: every packet
        /// its policy sends there is dropped.
        case tableWithoutDefault = "table_without_default"

        public var sentence: String {
            switch self {
            case .trackerDisabled: return "mwan3's tracker is disabled (it found the interface down once and never looks again)"
            case .tableWithoutDefault: return "mwan3 shows it online but its routing table has no default route (traffic sent there is dropped)"
            }
        }
    }

    /// Interfaces the daemon finds healthy, holds nothing on and has no command running for,
    /// where mwan3 is stuck in a state it will not leave by itself.
    public static func problems(_ observations: [Observation], held: Set<String>, inFlight: Set<String>) -> [(interface: String, problem: Problem)] {
        var out: [(String, Problem)] = []
        for o in observations where (o.state == .up || o.state == .degraded) && !held.contains(o.interface) && !inFlight.contains(o.interface) {
            if o.trackStatus == "disabled" {
                out.append((o.interface, .trackerDisabled))
            } else if o.ifaceState == "online", o.tableHasDefault == false {
                out.append((o.interface, .tableWithoutDefault))
            }
        }
        return out
    }

    /// What became of a `mwan3 ifup` the daemon ran to put an interface back.
    public enum PutBack: Equatable, Sendable {
        /// mwan3 uses it again.
        case confirmed
        /// Its tracker runs and has not confirmed yet (an `initial_state offline` interface needs
        /// its `up` successful rounds): wait.
        case tracking
        /// Nothing happened (the tracker is still disabled or gone): run it again.
        case ignored
    }

    /// mwan3's ifup hotplug writes iface_state `online` at once for an interface that starts
    /// online, so that says the ifup took even while the tracker has not reacted yet (it is
    /// signalled last, and finishes its running ping round first).
    public static func putBack(ifaceState: String?, trackStatus: String?) -> PutBack {
        if ifaceState == "online" { return .confirmed }
        switch trackStatus {
        case "online", "offline", "connecting", "disconnecting": return .tracking
        default: return .ignored
        }
    }

    /// Seconds before the `attempt`th repeat of an ifup for the same interface: 4, 8, 16, then
    /// every 30 s. The first wait covers the tracker's reaction: `mwan3 ifup` signals it last
    /// (USR2, through procd), and it finishes its running ping round before it leaves
    /// `disabled`. mwan3 serialises on one lock, and each ifup rebuilds every policy.
    public static func retryDelay(attempt: Int) -> Double {
        attempt <= 0 ? 0 : min(30, Double(1 << min(attempt + 1, 5)))
    }

    /// An ifup that has not worked after this many attempts will not: the daemon stops, says so
    /// once (log and `status`), and tries again only once the problem has gone away and come back.
    public static let attemptLimit = 6
}
