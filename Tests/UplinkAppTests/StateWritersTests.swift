#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkApp
import UplinkCore
import UplinkSystem

/// One runtime state file, several writers (daemon, CLI, rpcd): each changes it under the state
/// lock from what is on disk then, and the daemon replaces only its own part.
@Suite struct StateWritersTests {
    func offer(_ peer: String, received: Double, expires: Double) throws -> Offer {
        Offer(peer: try PeerID(validating: peer), seq: 1, timestamp: received, ttl: 60,
              endpoint: Endpoint(host: "169.254.1.2", port: 51900), publicKey: Sample.providerKey,
              received: received, expires: expires)
    }

    /// The daemon loaded the file at 100; by 150 another writer stored an offer, a newer copy of
    /// one it knows and a path for an uplink just added. The daemon's save keeps the offers,
    /// puts its own health, active path and pid, and drops what has expired.
    @Test func theDaemonsSaveReplacesOnlyItsPart() throws {
        var disk = RuntimeState()
        disk.offers["nodeC"] = try offer("nodeC", received: 140, expires: 200)
        disk.offers["nodeB"] = try offer("nodeB", received: 145, expires: 210)
        disk.offers["old"] = try offer("old", received: 10, expires: 70)
        disk.paths["uplink:nodeZ"] = PathHealth(kind: .uplink, name: "nodeZ", device: "wu_nodez_aaaa")
        disk.counters["mesh_accepted"] = 9
        disk.daemonPID = 1

        var mine = RuntimeState()
        mine.offers["nodeB"] = try offer("nodeB", received: 100, expires: 160)
        mine.offers["nodeA"] = try offer("nodeA", received: 120, expires: 180)
        var wan = PathHealth(kind: .wan, name: "wan", device: "eth1")
        wan.state = .down
        mine.paths[wan.key] = wan
        mine.activePath = "uplink:nodeA"
        mine.failoverActive = true
        mine.counters["mesh_accepted"] = 7
        mine.counters["mesh_grants_sent"] = 1
        mine.daemonPID = 4242
        mine.daemonUpdated = 150
        mine.updated = 150

        let out = disk.adopting(daemon: mine, now: 150)
        #expect(Set(out.offers.keys) == ["nodeA", "nodeB", "nodeC"], "an offer stored by another writer survives; expired ones go")
        #expect(out.offers["nodeB"]?.received == 145, "the later-received copy wins")
        #expect(out.paths == mine.paths, "path health is the daemon's")
        #expect(out.activePath == "uplink:nodeA" && out.failoverActive && out.daemonPID == 4242)
        #expect(out.counters == ["mesh_accepted": 9, "mesh_grants_sent": 1], "counters are never lost or counted twice")
        #expect(out.updated == 150)
    }

    /// 4 threads × 25 read-change-write rounds each: with a shared lock no update is lost.
    @Test func concurrentWritersLoseNoUpdate() throws {
        let f = try FixtureRoot()
        let store = RuntimeStateStore(paths: f.paths)
        let threads = 4, rounds = 25
        final class Box: @unchecked Sendable { var failures: [String] = [] }
        let box = Box()
        var ids: [pthread_t] = []
        final class Job { let run: () -> Void; init(_ run: @escaping () -> Void) { self.run = run } }
        for _ in 0..<threads {
            let job = Job {
                for _ in 0..<rounds {
                    do {
                        try store.update(timeout: 30) { state, _ in
                            let n = state.counters["n"] ?? 0
                            usleep(200) // widen the read-modify-write window
                            state.counters["n"] = n + 1
                        }
                    } catch { box.failures.append("\(error)") }
                }
            }
            var t = pthread_t()
            let rc = pthread_create(&t, nil, { arg in
                Unmanaged<Job>.fromOpaque(arg!).takeRetainedValue().run()
                return nil
            }, Unmanaged.passRetained(job).toOpaque())
            #expect(rc == 0)
            ids.append(t)
        }
        for t in ids { pthread_join(t, nil) }
        #expect(box.failures.isEmpty, "\(box.failures)")
        #expect(store.load().state.counters["n"] == threads * rounds)
    }

    /// A writer that cannot get the lock says so and writes nothing.
    @Test func aHeldLockMakesAWriterWaitThenFailClearly() throws {
        let f = try FixtureRoot()
        let store = RuntimeStateStore(paths: f.paths)
        try store.replace({ var s = RuntimeState(); s.counters["x"] = 1; return s }())
        let before = try Files.read(f.paths.runtimeState)
        let held = try FileLock.acquire(store.lockPath)
        defer { held.release() }
        #expect(throws: UplinkError.self) {
            try store.update(timeout: 0.3) { state, _ in state.counters["x"] = 2 }
        }
        #expect(try Files.read(f.paths.runtimeState) == before)
    }

    /// A command prunes paths of removed uplinks only while no daemon runs; with a daemon
    /// running, the paths are the daemon's to rewrite (it is notified and reloads).
    @Test func aCommandLeavesARunningDaemonsPathsAlone() throws {
        let f = try FixtureRoot()
        _ = try f.service.add(Sample.request("nodeA"))
        var s = RuntimeStateStore(paths: f.paths).load().state
        var h = PathHealth(kind: .uplink, name: "nodeA", device: "wu_nodea_x")
        h.state = .up
        s.paths[h.key] = h
        s.daemonPID = Int(getpid())   // alive: this test process stands in for the daemon
        try RuntimeStateStore(paths: f.paths).replace(s)
        _ = try f.service.remove(try PeerID(validating: "nodeA"))
        #expect(RuntimeStateStore(paths: f.paths).load().state.paths["uplink:nodeA"]?.state == .up)

        // the daemon is gone: the next command prunes
        s.daemonPID = nil
        try RuntimeStateStore(paths: f.paths).replace(s)
        _ = try f.service.apply()
        #expect(RuntimeStateStore(paths: f.paths).load().state.paths["uplink:nodeA"] == nil)
    }
}
