/// The daemon decides, mwan3 enforces: which mwan3 interfaces the daemon holds out of mwan3's
/// use (`mwan3 ifdown`) and which it hands back (`mwan3 ifup`), from its own verdicts, the holds
/// it recorded and what mwan3 reports for each interface (/var/run/mwan3/iface_state).
///
/// - A path the daemon finds down is taken out; a held path that mwan3 shows `online` again
///   (an mwan3 restart, a netifd ifup) is taken out again.
/// - A held path goes back only once the daemon has seen it healthy for the hysteresis (the
///   tracker's `up`/`degraded` after a down); `unknown` (e.g. just after a respawn) keeps it held.
/// - A held interface that is no longer a path (removed, disabled) goes back.
/// - When no path is usable the daemon's own targets may be what failed: it holds nothing and
///   leaves the decision to mwan3's tracking, once every path's state is measured (after a
///   respawn that kept every path held, a dead WAN handed back at once would be used unchecked).
/// - mwan3's last online member of a policy is never taken out (the policy would turn
///   `unreachable`): only while another interface of a policy it is in (`peers`,
///   Mwan3Layout) is online in mwan3, e.g. until a new uplink's tracker has confirmed it.
public enum Mwan3Hold {
    public struct Path: Equatable, Sendable {
        /// The mwan3 (netifd) interface name.
        public var interface: String
        public var state: HealthState
        /// mwan3's view: `online`, `offline`, `disabled`, ...; nil when mwan3 has no state.
        public var mwan3State: String?
        /// False while `state` is assumed, not measured (a path still held from a previous run
        /// is taken as down until the daemon has probed it).
        public var measured: Bool

        public init(interface: String, state: HealthState, mwan3State: String?, measured: Bool = true) {
            self.interface = interface
            self.state = state
            self.mwan3State = mwan3State
            self.measured = measured
        }
    }

    public enum Action: Equatable, Sendable {
        /// `mwan3 ifdown IFACE`: mwan3 stops using it and its tracker idles.
        case takeOut(String)
        /// `mwan3 ifup IFACE`: mwan3 uses it again and its tracker resumes.
        case putBack(String)

        public var interface: String {
            switch self { case .takeOut(let i), .putBack(let i): return i }
        }
    }

    /// The actions for this moment; interfaces with a command still running are left alone.
    /// `peers` (Mwan3Layout.peers) and `online` (every interface mwan3 shows online; by default
    /// those of `paths`) guard the last online member; with no peers known nothing is guarded.
    public static func decide(paths: [Path], held: Set<String>, inFlight: Set<String> = [],
                              peers: [String: Set<String>] = [:], online: Set<String>? = nil) -> [Action] {
        var out: [Action] = []
        var online = online ?? Set(paths.filter { $0.mwan3State == "online" }.map(\.interface))
        online.subtract(held)
        let known = Set(paths.map(\.interface))
        for iface in held.sorted() where !known.contains(iface) && !inFlight.contains(iface) {
            out.append(.putBack(iface))
        }
        let anyUsable = paths.contains { $0.state != .down }
        for p in paths where !inFlight.contains(p.interface) {
            let isHeld = held.contains(p.interface)
            if !anyUsable {
                if isHeld && paths.allSatisfy(\.measured) { out.append(.putBack(p.interface)) }
                continue
            }
            switch p.state {
            case .down:
                guard !isHeld || p.mwan3State == "online" else { break }
                if let others = peers[p.interface], !others.isEmpty, others.isDisjoint(with: online) { break }
                online.remove(p.interface)
                out.append(.takeOut(p.interface))
            case .up, .degraded:
                if isHeld { out.append(.putBack(p.interface)) }
            case .unknown:
                break
            }
        }
        return out
    }
}
