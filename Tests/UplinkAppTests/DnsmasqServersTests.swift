#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkCore
import UplinkSystem

/// The daemon's side of dnsmasq: the servers-file is replaced only when it changes, and every
/// running dnsmasq is told (SIGHUP) to read it again: through procd where procd runs it (a
/// jailed dnsmasq's pid file holds its pid inside the jail), else by its pid file in
/// var/run/dnsmasq.
@Suite struct DnsmasqServersTests {
    /// A stand-in dnsmasq (a shell, so `processName: "sh"`) that appends a line to `hups` on
    /// each SIGHUP; killed and reaped by the caller.
    static func standIn(_ hups: String) throws -> pid_t {
        try #require(Command.spawn("sh", ["-c", "trap 'echo hup >> \(hups)' HUP; while :; do sleep 0.05; done"]))
    }

    static func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var st: Int32 = 0
        waitpid(pid, &st, 0)
    }

    /// Waits until `hups` holds exactly `n` SIGHUPs (signals do not queue: each change is
    /// awaited before the next).
    static func hupsSeen(_ hups: String, _ n: Int) -> Bool {
        let deadline = Clock.monotonic() + 3
        while Clock.monotonic() < deadline {
            let got = (try? Files.read(hups)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            if got == String(repeating: "hup\n", count: n) { return true }
            Clock.sleep(0.02)
        }
        return false
    }

    /// What `ubus call service list '{"name":"dnsmasq"}'` prints on OpenWrt: procd's
    /// service_dump/instance_dump (an object keyed by service, `instances` keyed by instance
    /// name, `running`, `pid` only while running, the command, and a jailed one's `jail`),
    /// formatted by ubus's blobmsg_format_json_indent. `{}` with only whitespace inside when
    /// procd has no such service.
    static func procdList(_ instances: [(name: String, pid: Int32?)]) -> String {
        let body = instances.map { i in
            let state = i.pid.map { "\"running\": true,\n\t\t\t\t\"pid\": \($0)," } ?? "\"running\": false,"
            return """
            \t\t"\(i.name)": {
            \t\t\t\t\(state)
            \t\t\t\t"command": [
            \t\t\t\t\t"/usr/sbin/dnsmasq",
            \t\t\t\t\t"-C",
            \t\t\t\t\t"/var/etc/dnsmasq.conf.\(i.name)",
            \t\t\t\t\t"-k",
            \t\t\t\t\t"-x",
            \t\t\t\t\t"/var/run/dnsmasq/dnsmasq.\(i.name).pid"
            \t\t\t\t],
            \t\t\t\t"term_timeout": 5,
            \t\t\t\t"jail": {
            \t\t\t\t\t"name": "dnsmasq",
            \t\t\t\t\t"ubus": true,
            \t\t\t\t\t"log": true
            \t\t\t\t}
            \t\t\t}
            """
        }.joined(separator: ",\n")
        return "{\n\t\"dnsmasq\": {\n\t\t\"instances\": {\n\(body)\n\t\t}\n\t}\n}\n"
    }

    static let procdKnowsNoSuchService = "{\n\t\n}\n"

    @Test(arguments: [
        // (system root, ubus there, procd's answer) → the way
        (false, true, procdList([("cfg01411c", 2345)]), DnsmasqReload.pidFiles),
        (true, false, nil, .pidFiles),
        (true, true, nil, .pidFiles),
        (true, true, "Failed to connect to ubus", .pidFiles),
        (true, true, procdKnowsNoSuchService, .pidFiles),
        (true, true, #"{"odhcpd":{"instances":{"instance1":{"running":true,"pid":900}}}}"#, .pidFiles),
        (true, true, procdList([("cfg01411c", 2345), ("guest", 2400)]),
         .procd([ProcdInstance(name: "cfg01411c", pid: 2345), ProcdInstance(name: "guest", pid: 2400)])),
        (true, true, procdList([("cfg01411c", nil), ("guest", 2400)]), .procd([ProcdInstance(name: "guest", pid: 2400)])),
        (true, true, procdList([("cfg01411c", nil)]), .nothing),
        (true, true, #"{"dnsmasq":{}}"#, .nothing),
        (true, true, #"{"dnsmasq":{"instances":{"cfg01411c":{"running":true,"pid":1}}}}"#, .nothing),
    ] as [(Bool, Bool, String?, DnsmasqReload)])
    func whichWayDnsmasqIsReloaded(systemRoot: Bool, ubus: Bool, answer: String?, expected: DnsmasqReload) {
        #expect(DnsmasqReload.decide(systemRoot: systemRoot, ubus: ubus, serviceList: answer) == expected)
    }

    /// A stand-in `ubus` that records its arguments and answers as procd does (service.c):
    /// `list` prints `listAnswer`; `signal` with exactly the message for the instance procd
    /// runs sends the SIGHUP to the pid procd knows, and for anything else (an unknown service
    /// or instance) fails as ubus does on UBUS_STATUS_NOT_FOUND.
    static func fakeUbus(_ f: FixtureRoot, listAnswer: String, instance: String, pid: pid_t) throws -> (program: String, calls: String) {
        let program = f.root + "/ubus", calls = f.root + "/ubus-calls", answer = f.root + "/ubus-list"
        try Files.writeAtomically(answer, Array(listAnswer.utf8))
        let script = """
        #!/bin/sh
        printf '%s\\n' "$*" >> \(calls)
        case "$1 $2 $3" in
        "call service list") cat \(answer); exit 0 ;;
        "call service signal")
            if [ "$4" = '{"name":"dnsmasq","instance":"\(instance)","signal":1}' ]; then kill -HUP \(pid); exit 0; fi ;;
        esac
        echo "Command failed: Not found" >&2
        exit 4
        """
        try Files.writeAtomically(program, Array(script.utf8), newMode: 0o755)
        return (program, calls)
    }

    /// OpenWrt: ujail runs dnsmasq in its own PID namespace, so its pid file says 1. procd
    /// knows the real pid and is asked to send the SIGHUP.
    @Test func aJailedDnsmasqIsToldThroughProcd() throws {
        let c = try ProcdCase(list: { Self.procdList([("cfg01411c", $0)]) }, pidFile: "dnsmasq.cfg01411c.pid", content: { _ in "1\n" })
        let (d, pid, hups) = (c.d, c.pid, c.hups)
        Clock.sleep(0.2)
        #expect(d.reloadRoute() == .procd([ProcdInstance(name: "cfg01411c", pid: pid)]))
        let on = DNSUpstreams.header + "server=/#/10.200.1.1\n"
        #expect(try d.update(on) == [pid])
        #expect(Self.hupsSeen(hups, 1))
        #expect(try d.update(on) == nil, "no change: procd is not asked")
        #expect(c.calls == """
        call service list {"name":"dnsmasq"}
        call service list {"name":"dnsmasq"}
        call service signal {"name":"dnsmasq","instance":"cfg01411c","signal":1}

        """)
    }

    /// procd without a dnsmasq service (dnsmasq started some other way): procd answers `{}`
    /// and is not asked to signal; the pid files are read, as on plain Linux.
    @Test func withoutProcdsDnsmasqThePidFilesAreRead() throws {
        let c = try ProcdCase(list: { _ in Self.procdKnowsNoSuchService }, pidFile: "dnsmasq.pid", content: { "\($0)\n" })
        let (d, pid, hups) = (c.d, c.pid, c.hups)
        Clock.sleep(0.2)
        #expect(d.reloadRoute() == .pidFiles)
        #expect(try d.update(DNSUpstreams.header + "server=/#/10.200.1.1\n") == [pid])
        #expect(Self.hupsSeen(hups, 1))
        #expect(!c.calls.contains("signal"), "procd is not asked about a service it does not have: \(c.calls)")
    }

    /// procd listed an instance that is gone when asked to signal it ("Command failed: Not
    /// found", exit 4): not counted, and the pid files are read instead, under their rule (the
    /// jailed instance's says 1, which is never signalled).
    @Test func anInstanceProcdNoLongerHasFallsBackToThePidFiles() throws {
        // procd lists "guest", but signalling it fails as for an unknown instance
        let c = try ProcdCase(list: { Self.procdList([("guest", $0)]) }, pidFile: "dnsmasq.guest.pid", content: { _ in "1\n" })
        let (d, hups) = (c.d, c.hups)
        Clock.sleep(0.2)
        #expect(try d.update(DNSUpstreams.header) == [], "the failed signal is not counted, and pid 1 is never signalled")
        Clock.sleep(0.3)
        #expect((try Files.read(hups)) == nil, "no SIGHUP reached the stand-in")
        #expect(c.calls.contains(#"call service signal {"name":"dnsmasq","instance":"guest","signal":1}"#))
    }

    /// procd has the service but runs no instance: nothing is signalled, by procd or by pid
    /// file (a stopped instance's last pid may belong to another process by now).
    @Test func aStoppedServiceIsNotSignalled() throws {
        let c = try ProcdCase(list: { _ in Self.procdList([("cfg01411c", nil)]) }, pidFile: "dnsmasq.cfg01411c.pid", content: { "\($0)\n" })
        #expect(try c.d.update(DNSUpstreams.header) == [])
        #expect(c.calls == "call service list {\"name\":\"dnsmasq\"}\n")
    }

    /// A root that is not the system's is never procd's: its `ubus` is not even asked.
    @Test func aFixtureRootDoesNotAskProcd() throws {
        let f = try FixtureRoot()
        let ubus = try Self.fakeUbus(f, listAnswer: Self.procdList([("cfg01411c", 2345)]), instance: "cfg01411c", pid: 2345)
        let d = DnsmasqServers(paths: Paths(root: f.root), ubus: ubus.program)
        #expect(d.reloadRoute() == .pidFiles)
        #expect((try Files.read(ubus.calls)) == nil)
    }

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

/// The set-up of the procd tests: a fixture root, a stand-in dnsmasq that counts its SIGHUPs,
/// a stand-in `ubus` whose `service list` answers `list(pid)`, the adapter as OpenWrt's daemon
/// makes it, and one pid file `name` holding `content(pid)`. The stand-in ends with it.
final class ProcdCase {
    let f: FixtureRoot
    let hups: String
    let pid: pid_t
    let ubus: (program: String, calls: String)
    let d: DnsmasqServers

    init(list: (pid_t) -> String, pidFile name: String, content: (pid_t) -> String) throws {
        f = try FixtureRoot()
        hups = f.root + "/hups"
        pid = try DnsmasqServersTests.standIn(hups)
        ubus = try DnsmasqServersTests.fakeUbus(f, listAnswer: list(pid), instance: "cfg01411c", pid: pid)
        d = DnsmasqServers(paths: Paths(root: f.root), processName: "sh", ubus: ubus.program, procdManagesRoot: true)
        try Files.makeDirectories(d.pidDirectory)
        try Files.writeAtomically(d.pidDirectory + "/" + name, Array(content(pid).utf8))
    }

    deinit { DnsmasqServersTests.stop(pid) }

    var calls: String { (try? Files.read(ubus.calls)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? "" }
}
