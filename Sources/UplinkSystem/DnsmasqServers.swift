#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// dnsmasq's servers-file, which the daemon owns, and the dnsmasq instances that read it:
/// every pid file in /var/run/dnsmasq (OpenWrt's dnsmasq.<section>.pid, Debian's dnsmasq.pid)
/// gets a SIGHUP after a change, which is how dnsmasq re-reads it. That directory may belong
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

    public init(paths: Paths, processName: String = "dnsmasq") {
        self.paths = paths
        self.processName = processName
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

    /// Writes `content` if it differs and signals dnsmasq; returns the pids signalled (nil:
    /// nothing changed).
    public func update(_ content: String) throws(UplinkError) -> [Int32]? {
        if current() == content { return nil }
        // not our regular file (a symlink, a FIFO, another owner's file): removed first, so
        // that the new file takes neither its mode nor its owner
        var st = stat()
        if lstat(file, &st) == 0, st.st_mode & S_IFMT != S_IFREG || st.st_uid != getuid() { unlink(file) }
        try Files.writeAtomically(file, Array(content.utf8), maximumMode: 0o644)
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
