import CSystemShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// Runs an external program (`wg`, `ip`, `nft`, `reload_config`, ...) with arguments passed
/// directly (never through a shell), an optional stdin, captured output and a hard timeout.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var timedOut: Bool

    public var ok: Bool { status == 0 && !timedOut }
    public var output: String { String(decoding: stdout, as: UTF8.self) }
    public var errorText: String { String(decoding: stderr, as: UTF8.self).trimmingNewlines() }
}

/// pipe(2) with both ends close-on-exec (the spawned child gets only what dup2 gives it).
public func cloexecPipePair(_ fds: inout [Int32]) -> Bool { cloexecPipe(&fds) }

func cloexecPipe(_ fds: inout [Int32]) -> Bool {
    fds.withUnsafeMutableBufferPointer { wgu_pipe_cloexec($0.baseAddress!) } == 0
}

public enum Command {
    /// Directories searched for a bare program name.
    public static let searchPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    public static func find(_ program: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        // $PATH first (procd sets it on OpenWrt; the lab puts its mwan3 stand-in there)
        if let p = getenv("PATH") {
            for d in String(cString: p).split(separator: ":") where d.hasPrefix("/") && access(d + "/" + program, X_OK) == 0 {
                return d + "/" + program
            }
        }
        for d in searchPath where access(d + "/" + program, X_OK) == 0 { return d + "/" + program }
        return nil
    }

    public static func run(_ program: String, _ args: [String], stdin: [UInt8] = [], timeout: Double = 10,
                           outputLimit: Int = 8 << 20) throws(UplinkError) -> CommandResult {
        guard let exe = find(program) else {
            throw UplinkError(.commandFailed, "\(program) is not installed (looked in \(searchPath.joined(separator: ":")))")
        }
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard cloexecPipe(&inPipe), cloexecPipe(&outPipe), cloexecPipe(&errPipe) else {
            throw UplinkError(.commandFailed, "cannot create pipes for \(program): \(errnoText())")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        let (pid, rc) = start(exe, args, &actions, newGroup: true)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        if rc != 0 {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw UplinkError(.commandFailed, "cannot start \(exe): \(errnoText(rc))")
        }

        var result = CommandResult(status: -1, stdout: [], stderr: [], timedOut: false)
        var inOff = 0
        var inFD = inPipe[1]
        if stdin.isEmpty { close(inFD); inFD = -1 } else { _ = fcntl(inFD, F_SETFL, O_NONBLOCK) }
        var open = (out: outPipe[0], err: errPipe[0])
        let deadline = Clock.monotonic() + timeout
        var buf = [UInt8](repeating: 0, count: 16384)
        while open.out >= 0 || open.err >= 0 || inFD >= 0 {
            let remaining = deadline - Clock.monotonic()
            if remaining <= 0 {
                result.timedOut = true
                // the whole group: a shell script's children (mwan3's hotplug scripts) too
                kill(-pid, SIGKILL)
                break
            }
            var fds: [pollfd] = []
            if open.out >= 0 { fds.append(pollfd(fd: open.out, events: Int16(POLLIN), revents: 0)) }
            if open.err >= 0 { fds.append(pollfd(fd: open.err, events: Int16(POLLIN), revents: 0)) }
            if inFD >= 0 { fds.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
            let n = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1) * 1000) + 1)
            if n < 0 && errno != EINTR { break }
            for p in fds where p.revents != 0 {
                if p.fd == inFD {
                    let w = stdin.withUnsafeBytes { write(inFD, $0.baseAddress! + inOff, $0.count - inOff) }
                    if w > 0 { inOff += w }
                    if w < 0 && errno != EAGAIN && errno != EINTR || inOff >= stdin.count {
                        close(inFD)
                        inFD = -1
                    }
                    continue
                }
                let r = buf.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if r > 0 {
                    if p.fd == open.out {
                        if result.stdout.count < outputLimit { result.stdout.append(contentsOf: buf[0..<r]) }
                    } else if result.stderr.count < outputLimit {
                        result.stderr.append(contentsOf: buf[0..<r])
                    }
                } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(p.fd)
                    if p.fd == open.out { open.out = -1 } else { open.err = -1 }
                }
            }
        }
        if inFD >= 0 { close(inFD) }
        if open.out >= 0 { close(open.out) }
        if open.err >= 0 { close(open.err) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if (status & 0x7f) == 0 {
            result.status = (status >> 8) & 0xff
        } else {
            result.status = 128 + (status & 0x7f)
        }
        return result
    }

    /// Starts `program` with its output discarded and returns its pid without waiting; the
    /// caller reaps it (waitpid). It leads a process group of its own (its pid), so a timeout
    /// can end it with everything it started: `kill(-pid, SIGKILL)`. Nil when it is not
    /// installed or cannot start.
    public static func spawn(_ program: String, _ args: [String]) -> pid_t? {
        guard let exe = find(program) else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let (pid, rc) = start(exe, args, &actions, newGroup: true)
        return rc == 0 ? pid : nil
    }

    /// Starts `exe` with one end of a UNIX stream socket pair as its stdin and stdout (stderr
    /// to /dev/null), for a helper kept running; the caller talks over the other end (send
    /// with MSG_NOSIGNAL: a helper that died is an error, never a SIGPIPE) and reaps it.
    public static func spawnConnected(_ exe: String, _ args: [String] = []) -> (pid: pid_t, fd: Int32)? {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, pair[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let (pid, rc) = start(exe, args, &actions)
        close(pair[1])
        guard rc == 0 else { close(pair[0]); errno = rc; return nil }
        return (pid, pair[0])
    }

    /// Starts `exe` with `args` and the given file actions: the one place a child is made. It
    /// starts with no signal blocked and SIGPIPE at its default (we ignore it). Returns
    /// posix_spawn's result (0 when started). With `newGroup` the child leads a process group
    /// of its own.
    private static func start(_ exe: String, _ args: [String], _ actions: inout posix_spawn_file_actions_t,
                              newGroup: Bool = false) -> (pid: pid_t, rc: Int32) {
        var attr = posix_spawnattr_t()
        childSignals(&attr, newGroup: newGroup)
        defer { posix_spawnattr_destroy(&attr) }
        var cargs: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) }
        cargs.append(nil)
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, &attr, cargs, environ)
        return (pid, rc)
    }

    private static func childSignals(_ attr: inout posix_spawnattr_t, newGroup: Bool) {
        posix_spawnattr_init(&attr)
        var sigs = sigset_t()
        sigemptyset(&sigs)
        posix_spawnattr_setsigmask(&attr, &sigs)
        sigaddset(&sigs, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &sigs)
        if newGroup { posix_spawnattr_setpgroup(&attr, 0) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (newGroup ? POSIX_SPAWN_SETPGROUP : 0)))
    }

    /// Runs and throws with the program's own words when it fails.
    @discardableResult
    public static func check(_ program: String, _ args: [String], stdin: [UInt8] = [], timeout: Double = 10) throws(UplinkError) -> CommandResult {
        let r = try run(program, args, stdin: stdin, timeout: timeout)
        if r.timedOut {
            throw UplinkError(.timeout, "\(program) \(args.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        if r.status != 0 {
            let why = r.errorText.isEmpty ? "exit status \(r.status)" : r.errorText
            throw UplinkError(.commandFailed, "\(program) \(args.joined(separator: " ")) failed: \(why)")
        }
        return r
    }
}
