#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkCore
import UplinkSystem

/// The daemon's side of dnsmasq: the servers-file is replaced only when it changes, and every
/// dnsmasq with a pid file in var/run/dnsmasq is told (SIGHUP) to read it again.
@Suite struct DnsmasqServersTests {
    @Test func aChangeIsWrittenAndEveryDnsmasqIsToldOnce() throws {
        let f = try FixtureRoot()
        // the stand-in runs as `sh`: the adapter signals only processes of the name it is given
        let d = DnsmasqServers(paths: Paths(root: f.root), processName: "sh")
        let hups = f.root + "/hups"
        // a stand-in dnsmasq: counts the SIGHUPs it gets
        let pid = try #require(Command.spawn("sh", ["-c", "trap 'echo hup >> \(hups)' HUP; while :; do sleep 0.05; done"]))
        defer {
            kill(pid, SIGKILL)
            var st: Int32 = 0
            waitpid(pid, &st, 0)
        }
        try Files.makeDirectories(d.pidDirectory)
        try Files.writeAtomically(d.pidDirectory + "/dnsmasq.cfg01411c.pid", Array("\(pid)\n".utf8))
        try Files.writeAtomically(d.pidDirectory + "/stale.pid", Array("999999\n".utf8))
        Clock.sleep(0.2)
        // signals do not queue: each change is awaited before the next
        func hupsSeen(_ n: Int) -> Bool {
            let deadline = Clock.monotonic() + 3
            while Clock.monotonic() < deadline {
                let got = (try? Files.read(hups)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
                if got == String(repeating: "hup\n", count: n) { return true }
                Clock.sleep(0.02)
            }
            return false
        }
        let on = DNSUpstreams.header + "server=/#/10.200.1.1\n"
        // a FIFO named like a pid file, and a pid file naming a process of another name: skipped
        #expect(mkfifo(d.pidDirectory + "/fifo.pid", 0o600) == 0)
        try Files.writeAtomically(d.pidDirectory + "/other.pid", Array("\(getpid())\n".utf8))
        #expect(try d.update(on) == [pid], "the live stand-in is signalled; stale, FIFO and foreign pid files skipped")
        #expect(d.current() == on)
        #expect(hupsSeen(1))
        #expect(try d.update(on) == nil, "no change: no write, no signal")
        #expect(try d.update(DNSUpstreams.header) == [pid])
        #expect(hupsSeen(2))
    }

    /// The servers-file shares a directory that may belong to the dnsmasq user: what stands at
    /// its name is read only as a regular file (a FIFO would block the daemon, a symlink could
    /// make root read or inherit another file), and is replaced by a plain 0644 file of ours.
    @Test func whatStandsAtTheServersFileNameIsNotTrusted() throws {
        let f = try FixtureRoot()
        let d = DnsmasqServers(paths: Paths(root: f.root), processName: "no-such-process")
        try Files.makeDirectories(d.pidDirectory)
        let on = DNSUpstreams.header + "server=/#/10.200.1.1\n"
        // a FIFO: not read (no block), replaced
        #expect(mkfifo(d.file, 0o666) == 0)
        #expect(d.current() == nil)
        #expect(try d.update(on) == [])
        #expect(d.current() == on)
        // a symlink to a file, readable and setuid: neither read nor written through, nor copied
        let target = f.root + "/elsewhere"
        try Files.writeAtomically(target, Array("server=/#/6.6.6.6\n".utf8), newMode: 0o4777)
        unlink(d.file)
        #expect(symlink(target, d.file) == 0)
        #expect(d.current() == nil, "not followed")
        #expect(try d.update(on) == [])
        #expect(d.current() == on)
        #expect((try Files.read(target)).map { String(decoding: $0, as: UTF8.self) } == "server=/#/6.6.6.6\n", "the target is untouched")
        var st = stat()
        #expect(lstat(d.file, &st) == 0 && st.st_mode & S_IFMT == S_IFREG && st.st_mode & 0o7777 == 0o644)
    }
}
