#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkCore
import UplinkSystem

/// mwan3 is a shell script whose hotplug children hold its lock: a timeout must end the whole
/// process group a command started, not only the shell on top.
struct CommandGroupTests {
    /// Running, not a zombie waiting for whoever adopted it (in a container, pid 1 may reap late).
    func alive(_ pidFile: String) -> Bool {
        guard let b = try? Files.read(pidFile, limit: 32), let pid = Int32(String(decoding: b, as: UTF8.self).trimmingNewlines()),
              let stat = try? Files.read("/proc/\(pid)/stat", limit: 4096) else { return false }
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return false }
        let state = text[text.index(after: close)...].dropFirst().first
        return state != "Z" && state != "X"
    }

    @Test func aTimeoutEndsTheCommandsChildrenToo() throws {
        let pidFile = "/tmp/wgu-group-\(getpid())"
        defer { unlink(pidFile) }
        let r = try Command.run("/bin/sh", ["-c", "sleep 30 & echo $! > \(pidFile); wait"], timeout: 0.5)
        #expect(r.timedOut)
        usleep(100_000)
        #expect(!alive(pidFile), "the shell's child outlived the timeout")
    }

    @Test func aSpawnedCommandLeadsItsOwnGroup() throws {
        guard let pid = Command.spawn("/bin/sh", ["-c", "sleep 30"]) else { Issue.record("cannot start sh"); return }
        #expect(getpgid(pid) == pid)
        kill(-pid, SIGKILL)
        var st: Int32 = 0
        waitpid(pid, &st, 0)
    }
}
