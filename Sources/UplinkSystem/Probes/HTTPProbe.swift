#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import UplinkCore

/// An HTTP(S) request through one device with libcurl (`CURLOPT_INTERFACE "if!dev"`), the
/// host name pinned to an address already resolved through that same path. libcurl runs in
/// `wgctl-http-probe` (helpers/wgctl-http-probe.c), one child kept per process: wgctl itself
/// neither loads libcurl at start-up nor can be hung or crashed by it.
public enum HTTPProbe {
    public struct Result: Sendable {
        public var status: Int?
        public var totalMs: Double?
        public var error: String?
    }

    /// The helper's file name: beside wgctl (a build tree, /usr/bin), else in /usr/libexec.
    public static let helperName = "wgctl-http-probe"

    public static func get(url: String, device: String?, resolved: IPAddress? = nil, timeout: Double) -> Result {
        let fields = ["GET", url, device ?? "-", resolved?.description ?? "-", String(Int(max(0.001, timeout) * 1000))]
        guard fields.allSatisfy({ !$0.isEmpty && !$0.utf8.contains(9) && !$0.utf8.contains(10) }) else {
            return Result(error: "the probe URL or device holds a tab or a line break")
        }
        return helper.withLock { h in h.request(fields.joined(separator: "\t") + "\n", timeout: timeout + 2) }
    }

    private static let helper = Mutex(Helper())

    /// The kept helper's pid, 0 while none runs (for tests).
    static var helperPID: pid_t { helper.withLock { $0.pid } }

    /// Host and port of an http(s) URL (the helper pins the same host).
    static func hostPort(_ url: String) -> (String, Int)? {
        let https = url.hasPrefix("https://")
        guard https || url.hasPrefix("http://") else { return nil }
        var rest = url.dropFirst(https ? 8 : 7)
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.lastIndex(of: ":"), !rest.hasPrefix("["), let p = Int(rest[rest.index(after: colon)...]) {
            return (String(rest[..<colon]), p)
        }
        return (String(rest), https ? 443 : 80)
    }

    public static func host(_ url: String) -> String? { hostPort(url)?.0 }

    /// The kept child: started on first use, replaced after it dies or overruns a request.
    struct Helper: ~Copyable {
        var pid: pid_t = 0
        var fd: Int32 = -1 // a socket: the helper's stdin and stdout
        var pending: [UInt8] = []

        mutating func request(_ line: String, timeout: Double) -> Result {
            if pid == 0, let e = start() { return Result(error: e) }
            let bytes = Array(line.utf8)
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == bytes.count else { stop(); return Result(error: "\(HTTPProbe.helperName) is gone: \(errnoText())") }
            let deadline = Clock.monotonic() + timeout
            var buf = [UInt8](repeating: 0, count: 1024)
            while true {
                if let nl = pending.firstIndex(of: 10) {
                    let answer = String(decoding: pending[..<nl], as: UTF8.self)
                    pending.removeSubrange(...nl)
                    return Self.parse(answer)
                }
                let left = deadline - Clock.monotonic()
                guard left > 0 else { stop(); return Result(error: "\(HTTPProbe.helperName) did not answer within \(Int(timeout)) s") }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let n = poll(&p, 1, Int32(left * 1000) + 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { continue }
                let r = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if r < 0 && errno == EINTR { continue }
                guard r > 0, pending.count < 4096 else { stop(); return Result(error: "\(HTTPProbe.helperName) ended without an answer") }
                pending += buf[0..<r]
            }
        }

        /// `status \t total_ms \t error`
        static func parse(_ line: String) -> Result {
            let f = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3, let status = Int(f[0]), let ms = Double(f[1]) else {
                return Result(error: "\(HTTPProbe.helperName) answered something else: \(PeerID.printable(line))")
            }
            return Result(status: status == 0 ? nil : status, totalMs: ms, error: f[2].isEmpty ? nil : String(f[2]))
        }

        mutating func start() -> String? {
            guard let exe = Self.locate() else {
                return "\(HTTPProbe.helperName) is not installed beside wgctl or in /usr/libexec: no HTTP probe"
            }
            guard let child = Command.spawnConnected(exe) else { return "cannot start \(exe): \(errnoText())" }
            (pid, fd) = child
            pending = []
            return nil
        }

        mutating func stop() {
            guard pid != 0 else { return }
            close(fd)
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            pid = 0; fd = -1
        }

        static func locate() -> String? {
            var here = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/self/exe", &here, here.count - 1)
            var dirs = ["/usr/libexec"]
            if n > 0 {
                let exe = String(decoding: here[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if let slash = exe.lastIndex(of: "/") { dirs.insert(String(exe[..<slash]), at: 0) }
            }
            return dirs.map { $0 + "/" + HTTPProbe.helperName }.first { access($0, X_OK) == 0 }
        }
    }
}
