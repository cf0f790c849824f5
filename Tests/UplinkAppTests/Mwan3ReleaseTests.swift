#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkApp
import UplinkCore
import UplinkSystem

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
        let rec = FakeMwan3(paths: fx.paths, up: ["wan", "wanb"])
        try rec.saveHolds(["wan", "wanb"])
        #expect(try Mwan3Release.run(paths: fx.paths, control: rec) == ["wan", "wanb"])
        #expect(rec.commands.sorted() == ["ifup wan", "ifup wanb"])
        #expect(rec.loadHolds().isEmpty)
        // nothing held: nothing run
        #expect(try Mwan3Release.run(paths: fx.paths, control: rec).isEmpty)
        #expect(rec.commands.count == 2)
    }

    /// A hold on an interface mwan3's configuration no longer has (an uplink removed while it
    /// was held) is dropped: `mwan3 ifup` of it could never take.
    @Test func aHoldOnAnInterfaceMwan3NoLongerHasIsDropped() throws {
        let fx = try FixtureRoot()
        let m = FakeMwan3(paths: fx.paths, up: ["wan"])
        try m.saveHolds(["wan", "wu_gone"])
        #expect(try Mwan3Release.run(paths: fx.paths, control: m) == ["wan"])
        #expect(m.commands == ["ifup wan"])
        #expect(m.loadHolds().isEmpty)
    }

    /// mwan3 ignores an ifup while netifd reports the interface down (and exits 0): the
    /// release tries again (after giving the tracker time to react), then says so and keeps the
    /// hold on file for the next release.
    @Test func anIgnoredPutBackIsRetriedAndNeverForgotten() throws {
        let fx = try FixtureRoot()
        let m = FakeMwan3(paths: fx.paths, up: ["wan"])
        m.ignoreIfup["wan"] = 1
        try m.saveHolds(["wan", "wanb"])
        #expect(throws: UplinkError.self) { _ = try Mwan3Release.run(paths: fx.paths, control: m) }
        #expect(m.commands.filter { $0 == "ifup wan" }.count == 2, "\(m.commands)")
        #expect(m.commands.filter { $0 == "ifup wanb" }.count == Mwan3Handback.attempts)
        #expect(m.trackStatus("wan") == "online")
        #expect(m.loadHolds() == ["wanb"], "wanb stays on file: netifd never reported it up")
        // netifd brings it up: the next release takes it back
        m.netifdUp.insert("wanb")
        #expect(try Mwan3Release.run(paths: fx.paths, control: m) == ["wanb"])
        #expect(m.loadHolds().isEmpty)
    }

    /// mwan3's ifup signals the tracker last and the tracker finishes a ping round first: a
    /// put-back that still looks disabled when the command ends is given time, not run again.
    @Test func aSlowTrackerIsGivenTimeNotAnotherIfup() throws {
        let fx = try FixtureRoot()
        // an interface that starts offline (as every uplink of ours): iface_state says nothing
        let m = FakeMwan3(paths: fx.paths, up: ["wanb"])
        m.initialState["wanb"] = "offline"
        m.trackerLag = 20   // looks (finished() calls, 50 ms apart) before the tracker leaves disabled
        try m.saveHolds(["wanb"])
        #expect(try Mwan3Release.run(paths: fx.paths, control: m) == ["wanb"])
        #expect(m.commands == ["ifup wanb"], "\(m.commands)")
        #expect(m.trackStatus("wanb") == "offline", "tracking, not yet confirmed")
    }

    /// The init script's release runs while procd is still stopping the daemon: --wait waits
    /// for the daemon's lock to be free instead of failing at once.
    @Test func releaseWaitsForAStoppingDaemon() throws {
        let fx = try FixtureRoot()
        let m = FakeMwan3(paths: fx.paths, up: ["wan"])
        try m.saveHolds(["wan"])
        let lockPath = fx.paths.path("var/run/wireguard-uplink.daemon.lock")
        // a child holds the lock for about a second (flock(1), as our FileLock is flock-based)
        guard let pid = Command.spawn("/bin/sh", ["-c", "exec 9>'\(lockPath)'; flock 9; sleep 1.2"]) else { Issue.record("no sh"); return }
        usleep(300_000)
        #expect(throws: UplinkError.self) { _ = try Mwan3Release.run(paths: fx.paths, control: m) }
        let t0 = Clock.monotonic()
        #expect(try Mwan3Release.run(paths: fx.paths, control: m, wait: 5) == ["wan"])
        #expect(Clock.monotonic() - t0 >= 0.5)
        var st: Int32 = 0
        waitpid(pid, &st, 0)
    }

    @Test func releaseIsRefusedWhileADaemonOwnsTheHolds() throws {
        let fx = try FixtureRoot()
        let rec = FakeMwan3(paths: fx.paths, up: ["wan"])
        try rec.saveHolds(["wan"])
        let daemonLock = try FileLock.acquire(fx.paths.path("var/run/wireguard-uplink.daemon.lock"), timeout: 0.2)
        #expect(throws: UplinkError.self) { _ = try Mwan3Release.run(paths: fx.paths, control: rec) }
        #expect(rec.commands.isEmpty)
        #expect(rec.loadHolds() == ["wan"])
        _ = daemonLock
    }
}
