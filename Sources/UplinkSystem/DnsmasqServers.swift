#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// One running instance of a procd service, as `ubus call service list` shows it: its name
/// (dnsmasq's: the dhcp section, e.g. cfg01411c) and the pid procd started it with, which is
/// the pid outside any jail.
public struct ProcdInstance: Equatable, Sendable {
    public var name: String
    public var pid: Int32

    public init(name: String, pid: Int32) {
        self.name = name
        self.pid = pid
    }
}

/// How dnsmasq is told to re-read the servers-file.
///
/// OpenWrt's procd starts dnsmasq through ujail in a PID namespace of its own, so the pid file
/// dnsmasq writes holds its pid inside the jail (often 1), not one this daemon can signal. The
/// init script's reload (`procd_send_signal dnsmasq`) asks procd instead, which knows the real
/// pid: `ubus call service signal '{"name":…,"instance":…,"signal":1}'` (procd
/// service/service.c: `name` and `instance` strings, `signal` an int32, SIGHUP when left out;
/// an unknown name or instance answers UBUS_STATUS_NOT_FOUND, which `ubus` reports as
/// "Command failed: Not found" and exit status 4).
public enum DnsmasqReload: Equatable, Sendable {
    /// procd runs the service: each running instance is signalled through it.
    case procd([ProcdInstance])
    /// No procd here, or it does not know the service (plain Linux, the lab, a dnsmasq started
    /// by hand): the pid files in /var/run/dnsmasq.
    case pidFiles
    /// procd knows the service but runs no instance of it: nothing to tell (a dnsmasq that
    /// starts reads the file anyway).
    case nothing

    /// The way to go, from: whether the root is the system's (procd's services are the system's
    /// only), whether `ubus` is there, and what `ubus call service list '{"name":SERVICE}'`
    /// printed (nil: not asked, or it failed). procd answers with an object keyed by service
    /// name ({} when it has no such service); each instance carries `running` and, when
    /// running, `pid` (procd service/instance.c instance_dump). Anything that is not such an
    /// answer falls back to the pid files.
    public static func decide(systemRoot: Bool, ubus: Bool, serviceList: String?, service: String = "dnsmasq") -> DnsmasqReload {
        guard systemRoot, ubus, let text = serviceList,
              let answer = try? JSON.parse(text, maxBytes: 256 << 10), answer.objectPairs != nil,
              let known = answer[service], known.objectPairs != nil else { return .pidFiles }
        let running = (known["instances"]?.objectPairs ?? []).compactMap { name, instance -> ProcdInstance? in
            guard !name.isEmpty, instance["running"]?.boolValue == true,
                  let pid = instance["pid"]?.intValue, pid > 1, pid <= Int64(Int32.max) else { return nil }
            return ProcdInstance(name: name, pid: Int32(pid))
        }
        return running.isEmpty ? .nothing : .procd(running)
    }
}

/// dnsmasq's servers-file, which the daemon owns, and the dnsmasq instances that read it: after
/// a change each gets a SIGHUP, which is how dnsmasq re-reads it (DnsmasqReload decides how).
///
/// Where procd runs dnsmasq (OpenWrt), procd is asked to send it, per running instance, through
/// `ubus` (Command.run, a short timeout). Elsewhere, every pid file in /var/run/dnsmasq
/// (OpenWrt's dnsmasq.<section>.pid, Debian's dnsmasq.pid) is read. That directory may belong
/// to the unprivileged dnsmasq user, so a pid file counts only when it is a regular file owned
/// by root (dnsmasq writes it before it drops privileges) and names a running process called
/// `processName`: never a FIFO that would block the daemon, never a stale or planted pid.
///
/// The servers-file lives in that same directory (DNSUpstreams.path: the only place a jailed
/// dnsmasq is sure to see it), so what stands at its name is not trusted either: it is read
/// only when it is a regular file (not through a symlink, never a FIFO), and anything else
/// there is replaced by the daemon's own file, written 0644 at most.
public struct DnsmasqServers: Sendable {
    public let paths: Paths
    public let processName: String
    /// procd's name for the service (its init script's).
    public let procdService: String
    /// The program that reaches procd, found on PATH unless it is a path.
    public let ubus: String
    /// Whether procd runs this root's services; nil: only when the root is the system's.
    public let procdManagesRoot: Bool?

    public init(paths: Paths, processName: String = "dnsmasq", procdService: String = "dnsmasq",
                ubus: String = "ubus", procdManagesRoot: Bool? = nil) {
        self.paths = paths
        self.processName = processName
        self.procdService = procdService
        self.ubus = ubus
        self.procdManagesRoot = procdManagesRoot
    }

    public var file: String { paths.resolve(DNSUpstreams.path) }
    public var pidDirectory: String { paths.path("var/run/dnsmasq") }

    /// The file's content; nil when there is none, or what is there is not a regular file.
    public func current() -> String? {
        let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG,
              let b = try? Files.readAll(fd, path: file, limit: 64 << 10) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    /// Writes `content` if it differs and signals dnsmasq; returns the pids signalled (procd's
    /// for its instances), nil when nothing changed.
    public func update(_ content: String) throws(UplinkError) -> [Int32]? {
        if current() == content { return nil }
        // not our regular file (a symlink, a FIFO, another owner's file): removed first, so
        // that the new file takes neither its mode nor its owner
        var st = stat()
        if lstat(file, &st) == 0, st.st_mode & S_IFMT != S_IFREG || st.st_uid != getuid() { unlink(file) }
        try Files.writeAtomically(file, Array(content.utf8), maximumMode: 0o644)
        switch reloadRoute() {
        case .nothing:
            return []
        case .pidFiles:
            return signalPidFiles()
        case .procd(let instances):
            let signalled = instances.filter(signalThroughProcd).map(\.pid)
            // procd no longer has them (stopped in between): a dnsmasq of another kind may
            // still be there
            return signalled.isEmpty ? signalPidFiles() : signalled
        }
    }

    /// Which way a reload goes now: asks procd (`ubus call service list`) when it may run
    /// this root's dnsmasq.
    public func reloadRoute() -> DnsmasqReload {
        let systemRoot = procdManagesRoot ?? paths.isSystemRoot
        let exe = systemRoot ? Command.find(ubus) : nil
        var answer: String?
        if let exe {
            let query = JSON.serialize(.object([("name", .string(procdService))]))
            if let r = try? Command.run(exe, ["call", "service", "list", query], timeout: 5, outputLimit: 256 << 10), r.ok {
                answer = r.output
            }
        }
        return DnsmasqReload.decide(systemRoot: systemRoot, ubus: exe != nil, serviceList: answer, service: procdService)
    }

    /// SIGHUP to one instance through procd, which signals the pid it started (the real one,
    /// outside the jail). The instance is named: without one procd signals every instance,
    /// a stopped one's last pid included, and reports only the last result.
    func signalThroughProcd(_ instance: ProcdInstance) -> Bool {
        let message = JSON.serialize(.object([("name", .string(procdService)), ("instance", .string(instance.name)),
                                              ("signal", .int(Int64(SIGHUP)))]))
        guard let r = try? Command.run(ubus, ["call", "service", "signal", message], timeout: 5) else { return false }
        return r.ok
    }

    /// SIGHUP to each dnsmasq named by a root-owned regular pid file in pidDirectory.
    func signalPidFiles() -> [Int32] {
        var signalled: [Int32] = []
        for name in Files.entries(in: pidDirectory).sorted() where name.hasSuffix(".pid") {
            let path = pidDirectory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == 0, st.st_size < 64,
                  let b = (try? Files.read(path, limit: 64)).flatMap({ $0 }),
                  let pid = Int32(String(decoding: b, as: UTF8.self).trimmingNewlines()), pid > 1,
                  command(of: pid) == processName, kill(pid, SIGHUP) == 0 else { continue }
            signalled.append(pid)
        }
        return signalled
    }

    /// The name of a running process (`/proc/PID/comm`), nil when there is none.
    func command(of pid: Int32) -> String? {
        (try? Files.read("/proc/\(pid)/comm", limit: 64)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self).trimmingNewlines() }
    }
}
