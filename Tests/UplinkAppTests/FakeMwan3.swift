#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkApp
import UplinkCore
import UplinkSystem

/// mwan3 2.12 as the daemon meets it, in memory (the lab's lab/tools/mwan3-standin does the same
/// on a real kernel). What it does, from mwan3's sources (openwrt/packages net/mwan3/files):
/// - `mwan3 ifup IFACE` (usr/sbin/mwan3 → mwan3_ifup in lib/mwan3/mwan3.sh) asks netifd for the
///   interface; unless it is up with an l3_device it returns doing nothing. Otherwise the ifup
///   hotplug restarts the tracker (firstconnect: status `initial_state`, `online` by default,
///   `offline` for our uplinks, which then need their tracker's `up` rounds) and rebuilds the
///   interface's table, its default route included.
/// - `mwan3 ifdown IFACE` (mwan3_interface_hotplug_shutdown) sets iface_state `offline` and its
///   tracker goes `disconnected` then `disabled`, probing nothing until the next ifup.
/// - Every command exits 0 whatever happened; commands take time (a test completes them).
/// Failures the real one has are injected: `ignoreIfup` (netifd briefly not reporting the
/// interface up), a tracker left `disabled` at start, a table without its default route.
final class FakeMwan3: Mwan3Controlling {
    let real: Mwan3Control
    /// Every command in order: "ifdown wan", "ifup wu_x".
    var commands: [String] = []
    /// Interfaces netifd reports up with a device.
    var netifdUp: Set<String>
    var initialState: [String: String] = [:]
    var ifaceStates: [String: String] = [:]
    var trackers: [String: String] = [:]
    /// mwan3's table id of each interface, and which have a default route.
    var tableIDs: [String: Int] = [:]
    var tablesDefault: Set<Int> = []
    /// The next N ifups of an interface are ignored.
    var ignoreIfup: [String: Int] = [:]
    /// Commands started and not finished, with how many more looks (`finished()`) each takes;
    /// nil: it hangs until killed.
    var running: [(action: Mwan3Hold.Action, polls: Int?)] = []
    var done: [Mwan3Hold.Action] = []
    /// How many looks a command takes (0: it is done when started).
    var pollsToFinish = 0
    /// The next N commands started hang (a stuck mwan3 holding its lock).
    var hangNext = 0
    var killed = 0
    /// procd's lock for mwan3 is held (a command or its init script runs).
    var isBusy = false
    func busy() -> Bool { isBusy }

    init(paths: Paths, up: Set<String>) {
        real = Mwan3Control(paths: paths)
        netifdUp = up
    }

    func interfaceState(_ iface: String) -> String? { ifaceStates[iface] }
    func trackStatus(_ iface: String) -> String? { trackers[iface] }
    func tablesWithDefault(family: AddressFamily) -> Set<Int>? { tablesDefault }

    func start(_ action: Mwan3Hold.Action) -> Bool {
        commands.append("\(action.verbForTest) \(action.interface)")
        if hangNext > 0 {
            hangNext -= 1
            running.append((action, nil))
        } else if pollsToFinish == 0 {
            apply(action)
            done.append(action)
        } else {
            running.append((action, pollsToFinish))
        }
        return true
    }

    func apply(_ a: Mwan3Hold.Action) {
        switch a {
        case .takeOut(let i):
            ifaceStates[i] = "offline"
            trackers[i] = "disabled"
        case .putBack(let i):
            if let n = ignoreIfup[i], n > 0 { ignoreIfup[i] = n - 1; return }
            guard netifdUp.contains(i) else { return }
            let first = initialState[i] ?? "online"
            // 15-mwan3's ifup writes iface_state at once; the tracker leaves `disabled` later
            ifaceStates[i] = first == "online" ? "online" : (ifaceStates[i] ?? "offline")
            if trackerLag > 0 {
                lagging[i] = (trackerLag, first)
            } else {
                trackers[i] = first
            }
            if let id = tableIDs[i] { tablesDefault.insert(id) }
        }
    }

    /// The tracker's `up` rounds succeeded: mwan3 uses the interface.
    func trackerConfirms(_ iface: String) {
        trackers[iface] = "online"
        ifaceStates[iface] = "online"
    }

    /// Looks (finished() calls) a tracker takes to react to an ifup (its running ping round).
    var trackerLag = 0
    var lagging: [String: (looks: Int, status: String)] = [:]

    func finished() -> [(action: Mwan3Hold.Action, state: String?)] {
        for (i, l) in lagging {
            if l.looks <= 1 {
                trackers[i] = l.status
                if l.status == "online" { ifaceStates[i] = "online" }
                lagging[i] = nil
            } else {
                lagging[i] = (l.looks - 1, l.status)
            }
        }
        var still: [(action: Mwan3Hold.Action, polls: Int?)] = []
        for r in running {
            guard let p = r.polls else { still.append(r); continue }
            if p <= 1 { apply(r.action); done.append(r.action) } else { still.append((r.action, p - 1)) }
        }
        running = still
        let out = done.map { ($0, ifaceStates[$0.interface]) }
        done = []
        return out
    }

    var inFlight: Set<String> { Set(running.map(\.action.interface)) }
    func runAndWait(_ action: Mwan3Hold.Action) { apply(action); commands.append("\(action.verbForTest) \(action.interface)") }
    func killAll() { killed += running.count; running = [] }
    func loadHolds() -> Set<String> { real.loadHolds() }
    func saveHolds(_ held: Set<String>) throws(UplinkError) { try real.saveHolds(held) }
    func service() -> Mwan3Service { Mwan3Service(running: true, enabledAtBoot: true) }
}

extension Mwan3Hold.Action {
    var verbForTest: String {
        switch self { case .takeOut: return "ifdown"; case .putBack: return "ifup" }
    }
}

/// Links and probes as the daemon senses them, in memory: devices with an index that changes
/// when a device is made again, carrier, and probe sockets bound to an index that fail with
/// ENODEV once their device is gone (as SO_BINDTODEVICE sockets do) and answer while the
/// device's path `answers`.
final class FakeSenses: DaemonSenses {
    var devices: [String: UInt32] = [:]
    var carrier: Set<String> = []
    /// Devices whose echoes are answered.
    var answers: Set<String> = []
    var opened: [(device: String, index: UInt32)] = []
    private var nextIndex: UInt32 = 100
    let pipeFDs: [Int32]

    init() {
        var p: [Int32] = [-1, -1]
        _ = pipe(&p)
        pipeFDs = p
    }
    deinit { for fd in pipeFDs { close(fd) } }

    /// A device appears (or is made again): a new index, carrier up.
    func create(_ name: String) {
        nextIndex += 1
        devices[name] = nextIndex
        carrier.insert(name)
    }

    func delete(_ name: String) {
        devices[name] = nil
        carrier.remove(name)
    }

    var linkEventsFD: Int32 { pipeFDs[0] }
    func drainLinkEvents() -> Set<String> { [] }
    func ifindex(_ device: String) -> UInt32? { devices[device] }
    func hasCarrier(_ device: String) -> Bool { carrier.contains(device) }

    func openProbe(device: String, family: AddressFamily, mark: UInt32?) throws(UplinkError) -> ProbeSocket {
        guard let index = devices[device] else { throw UplinkError(.ioError, "no such device \(device)") }
        opened.append((device, index))
        return FakeProbe(device: device, index: index, senses: self)
    }
}

final class FakeProbe: ProbeSocket {
    let device: String
    let boundIndex: UInt32
    unowned let senses: FakeSenses
    var lastSendError: Int32 = 0
    var queued: [ICMPSocket.Reply] = []
    var fd: Int32 { senses.pipeFDs[0] }

    init(device: String, index: UInt32, senses: FakeSenses) {
        self.device = device
        boundIndex = index
        self.senses = senses
    }

    func sendEcho(to target: IPAddress, sequence: UInt16) -> Bool {
        guard senses.devices[device] == boundIndex else {
            lastSendError = ENODEV
            return false
        }
        lastSendError = 0
        if senses.answers.contains(device) && senses.carrier.contains(device) {
            queued.append(ICMPSocket.Reply(source: target, sequence: sequence, rttMs: 1))
        }
        return true
    }

    func drain() -> [ICMPSocket.Reply] {
        defer { queued = [] }
        return queued
    }
}
