#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkApp
import UplinkCore
import UplinkSystem

/// Records the mwan3 commands instead of running them.
final class RecordingMwan3: Mwan3Controlling {
    let real: Mwan3Control
    var commands: [String] = []
    init(paths: Paths) { real = Mwan3Control(paths: paths) }
    func interfaceState(_ iface: String) -> String? { real.interfaceState(iface) }
    func start(_ action: Mwan3Hold.Action) -> Bool { runAndWait(action); return true }
    func finished() -> [(action: Mwan3Hold.Action, state: String?)] { [] }
    var inFlight: Set<String> { [] }
    func runAndWait(_ action: Mwan3Hold.Action) {
        switch action {
        case .takeOut(let i): commands.append("ifdown \(i)")
        case .putBack(let i): commands.append("ifup \(i)")
        }
    }
    func loadHolds() -> Set<String> { real.loadHolds() }
    func saveHolds(_ held: Set<String>) throws(UplinkError) { try real.saveHolds(held) }
    func service() -> Mwan3Service { real.service() }
}

struct Mwan3ReleaseTests {
    @Test func holdsSurviveOnFileAndHostileLinesAreIgnored() throws {
        let fx = try FixtureRoot()
        let c = Mwan3Control(paths: fx.paths)
        try c.saveHolds(["wan", "wu_a"])
        #expect(c.loadHolds() == ["wan", "wu_a"])
        try Files.writeAtomically(c.holdsFile, Array("wan\n../../etc/passwd\nwu b\n\(String(repeating: "x", count: 40))\nWAN2\n".utf8))
        #expect(c.loadHolds() == ["wan", "WAN2"])
    }

    @Test func mwan3StateIsReadFromItsStatusFile() throws {
        let fx = try FixtureRoot()
        let c = Mwan3Control(paths: fx.paths)
        #expect(c.interfaceState("wan") == nil)
        try Files.writeAtomically(fx.paths.path("var/run/mwan3/iface_state/wan"), Array("offline\n".utf8))
        #expect(c.interfaceState("wan") == "offline")
    }

    @Test func releaseHandsEveryHoldBackWhenNoDaemonRuns() throws {
        let fx = try FixtureRoot()
        let rec = RecordingMwan3(paths: fx.paths)
        try rec.saveHolds(["wan", "wu_a"])
        #expect(try Mwan3Release.run(paths: fx.paths, control: rec) == ["wan", "wu_a"])
        #expect(rec.commands == ["ifup wan", "ifup wu_a"])
        #expect(rec.loadHolds().isEmpty)
        // nothing held: nothing run
        #expect(try Mwan3Release.run(paths: fx.paths, control: rec).isEmpty)
        #expect(rec.commands.count == 2)
    }

    @Test func releaseIsRefusedWhileADaemonOwnsTheHolds() throws {
        let fx = try FixtureRoot()
        let rec = RecordingMwan3(paths: fx.paths)
        try rec.saveHolds(["wan"])
        let daemonLock = try FileLock.acquire(fx.paths.path("var/run/wireguard-uplink.daemon.lock"), timeout: 0.2)
        #expect(throws: UplinkError.self) { _ = try Mwan3Release.run(paths: fx.paths, control: rec) }
        #expect(rec.commands.isEmpty)
        #expect(rec.loadHolds() == ["wan"])
        _ = daemonLock
    }
}
