#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// The daemon's levers on mwan3: its public `mwan3 ifdown|ifup IFACE` commands, run as children
/// without blocking the fast loop (each takes about a second), and mwan3's own view of each
/// interface, `/var/run/mwan3/iface_state/IFACE`. The holds the daemon took are recorded in
/// /var/run so a respawned daemon, `stop` or `wgctl uplink release` can hand them back.
public protocol Mwan3Controlling: AnyObject {
    /// mwan3's state of `iface` (`online`, `offline`, ...), nil when mwan3 has none.
    func interfaceState(_ iface: String) -> String?
    /// Starts `mwan3 ifdown|ifup IFACE`; false when it could not be started.
    func start(_ action: Mwan3Hold.Action) -> Bool
    /// Commands that have ended since the last call, with mwan3's state of the interface after.
    func finished() -> [(action: Mwan3Hold.Action, state: String?)]
    /// Interfaces with a command running.
    var inFlight: Set<String> { get }
    /// Runs the command and waits for it (used on stop, when there is no loop to wait in).
    func runAndWait(_ action: Mwan3Hold.Action)
    func loadHolds() -> Set<String>
    func saveHolds(_ held: Set<String>) throws(UplinkError)
    /// Whether mwan3 itself runs, as its init script judges it.
    func service() -> Mwan3Service
    /// mwan3track's status of `iface` (/var/run/mwan3track/IFACE/STATUS: `online`, `offline`,
    /// `connecting`, `disconnecting`, `disabled`), nil when it has none.
    func trackStatus(_ iface: String) -> String?
    /// The routing tables of a family that have a default route (mwan3's interface tables are
    /// numbered by Mwan3Layout); nil when they cannot be read.
    func tablesWithDefault(family: AddressFamily) -> Set<Int>?
    /// Ends every running command with everything it started (its process group).
    func killAll()
    /// True while some mwan3 command or its init script (start, stop, restart) runs: they hold
    /// procd's lock for mwan3 (/var/lock/procd_mwan3.lock), and what mwan3 shows meanwhile is
    /// half-built (a stop empties the tables, then waits 2 s before it removes its status).
    func busy() -> Bool
    /// Whether mwan3's trackers have their status directory (/var/run/mwan3track): mwan3's stop
    /// removes it, and unlike /var/run/mwan3 no `mwan3` command makes it again.
    func trackersRunning() -> Bool
}

extension Mwan3Controlling {
    public func trackStatus(_ iface: String) -> String? { nil }
    public func tablesWithDefault(family: AddressFamily) -> Set<Int>? { nil }
    public func killAll() {}
    public func busy() -> Bool { false }
    public func trackersRunning() -> Bool { true }
}

/// mwan3's init script calls the service running while `/var/run/mwan3` exists (created on
/// start, removed on stop); `/etc/init.d/mwan3 enable` links `/etc/rc.d/S..mwan3`.
/// `enabledAtBoot` is nil where there is no `/etc/rc.d` (not an OpenWrt boot).
public struct Mwan3Service: Equatable, Sendable {
    public var running: Bool
    public var enabledAtBoot: Bool?
    public init(running: Bool, enabledAtBoot: Bool?) {
        self.running = running
        self.enabledAtBoot = enabledAtBoot
    }
}

public final class Mwan3Control: Mwan3Controlling {
    let paths: Paths
    private var running: [(pid: pid_t, action: Mwan3Hold.Action, started: Double)] = []
    /// A command still running after this is killed (mwan3 takes its lock; a stuck one must
    /// not hold the interface forever).
    public static let timeout = 20.0

    public init(paths: Paths) { self.paths = paths }

    public var holdsFile: String { paths.path("var/run/wireguard-uplink.mwan3-held") }

    public func interfaceState(_ iface: String) -> String? {
        readWord(paths.path("var/run/mwan3/iface_state/\(iface)"))
    }

    public func trackStatus(_ iface: String) -> String? {
        readWord(paths.path("var/run/mwan3track/\(iface)/STATUS"))
    }

    func readWord(_ path: String) -> String? {
        guard let b = try? Files.read(path, limit: 256) else { return nil }
        let s = String(decoding: b, as: UTF8.self).trimmingNewlines()
        return s.isEmpty ? nil : s
    }

    public func tablesWithDefault(family: AddressFamily) -> Set<Int>? {
        guard let r = try? Command.run("ip", [family == .ipv4 ? "-4" : "-6", "-j", "route", "show", "default", "table", "all"], timeout: 3), r.ok,
              let routes = try? JSON.parse(r.output), let list = routes.arrayValue else { return nil }
        var out = Set<Int>()
        for route in list {
            // `ip -j` names the table by number, or by name for main/local/default
            if let t = route["table"]?.stringValue, let n = Int(t) { out.insert(n) }
            if let n = route["table"]?.intValue { out.insert(Int(n)) }
        }
        return out
    }

    public func service() -> Mwan3Service {
        let rcd = paths.path("etc/rc.d")
        let enabled: Bool? = Files.isDirectory(rcd)
            ? Files.entries(in: rcd).contains { $0.hasPrefix("S") && $0.dropFirst(3) == "mwan3" && $0.dropFirst().prefix(2).allSatisfy(\.isNumber) }
            : nil
        return Mwan3Service(running: Files.isDirectory(paths.path("var/run/mwan3")), enabledAtBoot: enabled)
    }

    public var inFlight: Set<String> { Set(running.map(\.action.interface)) }

    static func arguments(_ action: Mwan3Hold.Action) -> [String] {
        switch action {
        case .takeOut(let i): return ["ifdown", i]
        case .putBack(let i): return ["ifup", i]
        }
    }

    public func start(_ action: Mwan3Hold.Action) -> Bool {
        guard let pid = Command.spawn("mwan3", Self.arguments(action)) else { return false }
        running.append((pid, action, Clock.monotonic()))
        return true
    }

    public func finished() -> [(action: Mwan3Hold.Action, state: String?)] {
        var out: [(action: Mwan3Hold.Action, state: String?)] = []
        let now = Clock.monotonic()
        running.removeAll { r in
            // the group: mwan3 is a shell script whose hotplug children hold its lock
            if now - r.started > Self.timeout { kill(-r.pid, SIGKILL) }
            var status: Int32 = 0
            guard waitpid(r.pid, &status, WNOHANG) == r.pid else { return false }
            out.append((r.action, interfaceState(r.action.interface)))
            return true
        }
        return out
    }

    public func killAll() {
        for r in running { kill(-r.pid, SIGKILL) }
    }

    public func trackersRunning() -> Bool { Files.isDirectory(paths.path("var/run/mwan3track")) }

    public func busy() -> Bool {
        // a shared, non-blocking test of procd_lock's exclusive flock, released at once
        let fd = open(paths.path("var/lock/procd_mwan3.lock"), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 { return errno == EWOULDBLOCK }
        flock(fd, LOCK_UN)
        return false
    }

    public func runAndWait(_ action: Mwan3Hold.Action) {
        _ = try? Command.run("mwan3", Self.arguments(action), timeout: Self.timeout)
    }

    public func loadHolds() -> Set<String> {
        guard let b = try? Files.read(holdsFile, limit: 64 << 10) else { return [] }
        return Set(String(decoding: b, as: UTF8.self).split(separator: "\n").map(String.init).filter(InterfaceNaming.isValidMwan3Name))
    }

    public func saveHolds(_ held: Set<String>) throws(UplinkError) {
        try Files.writeAtomically(holdsFile, Array(held.sorted().map { $0 + "\n" }.joined().utf8))
    }
}
