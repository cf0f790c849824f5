#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkCore
import UplinkSystem

/// Our writers' lock: a waiter is woken the moment the holder lets go, a waiter gives up with a
/// clear error after its timeout, and libuci's per-file shared/exclusive locks are honoured.
/// The holder is util-linux `flock(1)` in a child process, a different program as on a router.
@Suite struct FileLockTests {
    /// Starts `flock -MODE path sh -c 'touch path.held; sleep SECONDS'` and waits until it holds.
    static func holdInChild(_ path: String, seconds: Double, shared: Bool = false) throws -> pid_t {
        let held = path + ".held"
        try Files.makeDirectories(Files.dirname(path))
        unlink(held)
        let args = ["flock", shared ? "-s" : "-x", path, "sh", "-c", "touch '\(held)'; sleep \(seconds)"]
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, "flock", nil, nil, &cargs, environ) == 0 else {
            throw UplinkError(.ioError, "cannot run flock(1)")
        }
        let deadline = Clock.monotonic() + 5
        while access(held, F_OK) != 0 {
            guard Clock.monotonic() < deadline else { throw UplinkError(.ioError, "flock(1) never took the lock") }
            usleep(2_000)
        }
        return pid
    }

    static func reap(_ pid: pid_t) {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    @Test func aWaiterGetsTheLockAsSoonAsTheHolderLetsGo() throws {
        let f = try FixtureRoot()
        let path = f.paths.lockFile
        let holder = try Self.holdInChild(path, seconds: 0.4)
        let t0 = Clock.monotonic()
        let lock = try FileLock.acquire(path, timeout: 10)
        let waited = Clock.monotonic() - t0
        lock.release()
        Self.reap(holder)
        // the holder kept it ~0.4 s; a polling waiter with back-off could wake much later
        #expect(waited > 0.2 && waited < 0.4 + 0.1, "waited \(waited) s for a lock held 0.4 s")
    }

    @Test func aWaiterGivesUpWithAClearErrorAfterItsTimeout() throws {
        let f = try FixtureRoot()
        let path = f.paths.lockFile
        let holder = try Self.holdInChild(path, seconds: 1)
        defer { Self.reap(holder) }
        let t0 = Clock.monotonic()
        do {
            _ = try FileLock.acquire(path, timeout: 0.3)
            Issue.record("acquired a lock another process holds")
        } catch {
            let waited = Clock.monotonic() - t0
            #expect(error.code == .locked)
            #expect(error.message.contains("held \(path) for over"), "\(error.message)")
            #expect(waited >= 0.3 && waited < 1.0, "gave up after \(waited) s, timeout 0.3 s")
        }
    }

    @Test func libuciReadersBlockOurWriteButNotOurRead() throws {
        let f = try FixtureRoot()
        let path = f.config("network")
        let reader = try Self.holdInChild(path, seconds: 1, shared: true)
        defer { Self.reap(reader) }
        let t0 = Clock.monotonic()
        _ = try ConfigFileLock(path, exclusive: false, timeout: 1)
        #expect(Clock.monotonic() - t0 < 0.2, "a second reader must not wait")
        #expect(throws: UplinkError.self) { _ = try ConfigFileLock(path, exclusive: true, timeout: 0.2) }
    }

    /// A reader (`status`, `list`, the daemon) locks each file only while it reads it: a
    /// snapshot still in use never keeps a writer (ours or `uci commit`) waiting.
    @Test func aReadSnapshotDoesNotHoldTheFiles() throws {
        let f = try FixtureRoot()
        let tx = try ConfigTransaction(paths: f.paths, packages: ["network", "mwan3"], write: false)
        let t0 = Clock.monotonic()
        for p in ["network", "mwan3"] {
            _ = try ConfigFileLock(f.config(p), exclusive: true, timeout: 0.5)
        }
        #expect(Clock.monotonic() - t0 < 0.2, "a writer waited behind a finished read")
        #expect(tx.document("mwan3") != nil && tx.document("network") != nil)
        withExtendedLifetime(tx) {}
    }

    /// ... but it does wait for a writer that holds a file, so it never reads one half-written.
    @Test func aReaderWaitsForALibuciWriter() throws {
        let f = try FixtureRoot()
        let writer = try Self.holdInChild(f.config("mwan3"), seconds: 0.4)
        defer { Self.reap(writer) }
        let t0 = Clock.monotonic()
        let tx = try ConfigTransaction(paths: f.paths, packages: ["mwan3"], write: false)
        let waited = Clock.monotonic() - t0
        #expect(waited >= 0.2, "read while uci held the file exclusively (waited \(waited) s)")
        #expect(tx.document("mwan3") != nil)
    }
}
