#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// dnsmasq's servers-file, which the daemon owns, and the dnsmasq instances that read it:
/// every pid file in /var/run/dnsmasq (OpenWrt's dnsmasq.<section>.pid, Debian's dnsmasq.pid)
/// gets a SIGHUP after a change, which is how dnsmasq re-reads it.
public struct DnsmasqServers: Sendable {
    public let paths: Paths

    public init(paths: Paths) { self.paths = paths }

    public var file: String { paths.resolve(DNSUpstreams.path) }
    public var pidDirectory: String { paths.path("var/run/dnsmasq") }

    public func current() -> String? {
        (try? Files.read(file, limit: 64 << 10)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `content` if it differs and signals dnsmasq; returns the pids signalled (nil:
    /// nothing changed).
    public func update(_ content: String) throws(UplinkError) -> [Int32]? {
        if current() == content { return nil }
        try Files.writeAtomically(file, Array(content.utf8))
        var signalled: [Int32] = []
        for name in Files.entries(in: pidDirectory).sorted() where name.hasSuffix(".pid") {
            guard let b = (try? Files.read(pidDirectory + "/" + name, limit: 64)).flatMap({ $0 }),
                  let pid = Int32(String(decoding: b, as: UTF8.self).trimmingNewlines()), pid > 1,
                  kill(pid, SIGHUP) == 0 else { continue }
            signalled.append(pid)
        }
        return signalled
    }
}
