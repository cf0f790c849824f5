import CSystemShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// An exclusive `flock` that serialises every writer of ours (CLI, rpcd, daemon). The kernel
/// drops it when the holder dies, so a killed process never leaves the product locked.
public final class FileLock {
    private var fd: Int32
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Waits up to `timeout` seconds for the lock.
    public static func acquire(_ path: String, timeout: Double = 30) throws(UplinkError) -> FileLock {
        try Files.makeDirectories(Files.dirname(path))
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 { throw UplinkError(.ioError, "cannot open lock file \(path): \(errnoText())") }
        // a blocked waiter is woken as soon as the holder lets go (polling starved waiters)
        if wgu_flock_wait(fd, LOCK_EX, timeout) != 0 {
            let timedOut = errno == EWOULDBLOCK
            let e = errnoText()
            let holder = Self.holder(fd)
            close(fd)
            if timedOut {
                throw UplinkError(.locked, "another wgctl (\(holder)) has held \(path) for over \(Int(timeout)) s; try again")
            }
            throw UplinkError(.ioError, "cannot lock \(path): \(e)")
        }
        // Record the holder for the message another waiter prints.
        let me = Array("pid \(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = me.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return FileLock(fd: fd, path: path)
    }

    static func holder(_ fd: Int32) -> String {
        var buf = [UInt8](repeating: 0, count: 64)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return "unknown pid" }
        return String(decoding: buf[0..<n], as: UTF8.self).trimmingNewlines()
    }

    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}

/// A shared or exclusive `flock` on one config file, as libuci takes while it reads or commits.
public final class ConfigFileLock {
    private var fd: Int32 = -1

    public init(_ path: String, exclusive: Bool, timeout: Double = 10) throws(UplinkError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return } // a missing file needs no lock
        if wgu_flock_wait(fd, exclusive ? LOCK_EX : LOCK_SH, timeout) != 0 {
            close(fd)
            throw UplinkError(.locked, "\(path) is locked by another program (uci?) for over \(Int(timeout)) s")
        }
        self.fd = fd
    }

    deinit {
        if fd >= 0 {
            flock(fd, LOCK_UN)
            close(fd)
        }
    }
}

extension String {
    public func trimmingNewlines() -> String {
        var s = self
        while let l = s.last, l == "\n" || l == "\r" || l == " " { s.removeLast() }
        return s
    }
}
