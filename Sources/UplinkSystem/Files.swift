import CSystemShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// Reading and replacing files: a replacement is written to a temporary file in the same
/// directory, flushed to disk, given the old file's mode and owner, and renamed over the
/// original, so a reader (or a crash) sees the old bytes or the new ones, never a mix.
public enum Files {
    /// The file's bytes, or nil when it does not exist. Refuses files over `limit` bytes.
    public static func read(_ path: String, limit: Int = 4 << 20) throws(UplinkError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw UplinkError(.ioError, "cannot read \(path): \(errnoText())")
        }
        defer { close(fd) }
        return try readAll(fd, path: path, limit: limit)
    }

    static func readAll(_ fd: Int32, path: String, limit: Int) throws(UplinkError) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Libc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw UplinkError(.ioError, "cannot read \(path): \(errnoText())")
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit {
                throw UplinkError(.ioError, "\(path) is larger than \(limit) bytes; refusing to read it")
            }
        }
    }

    /// The names in a directory, `.` and `..` left out (empty when it cannot be read).
    public static func entries(in dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    /// Removes our temporary files (`.<name>.wgu-XXXXXX`) older than `age` seconds.
    public static func removeStaleTemporaries(in dir: String, olderThan age: Double) {
        let now = Clock.now()
        for name in entries(in: dir) {
            guard name.hasPrefix("."), name.contains(".wgu-") else { continue }
            let path = dir + "/" + name
            if let m = mtime(path), now - (Double(m.0) + Double(m.1) / 1e9) >= age { unlink(path) }
        }
    }

    /// Writes into an existing file (for /proc and /sys, where rename is impossible).
    public static func writeInPlace(_ path: String, _ bytes: [UInt8]) throws(UplinkError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw UplinkError(.ioError, "cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { throw UplinkError(.ioError, "cannot write \(path): \(errnoText())") }
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func size(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    public static func mode(_ path: String) -> mode_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o7777 : nil
    }

    public static func mtime(_ path: String) -> (Int, Int)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
    }

    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(UplinkError) {
        if path.isEmpty || isDirectory(path) { return }
        let parent = dirname(path)
        if parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw UplinkError(.ioError, "cannot create directory \(path): \(errnoText())")
        }
    }

    public static func dirname(_ path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return "." }
        return i == path.startIndex ? "/" : String(path[..<i])
    }

    public static func basename(_ path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: i)...])
    }

    /// Replaces `path` atomically. `newMode` applies when the file is new; an existing file
    /// keeps its mode and owner unless `maximumMode` narrows it (for files holding keys).
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], newMode: mode_t = 0o644,
                                       maximumMode: mode_t = 0o7777) throws(UplinkError) {
        let dir = dirname(path)
        try makeDirectories(dir)
        var st = stat()
        let existed = stat(path, &st) == 0
        let mode = (existed ? st.st_mode & 0o7777 : newMode) & maximumMode
        var template = Array((dir + "/." + basename(path) + ".wgu-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { wgu_mkostemp_cloexec($0.baseAddress!) }
        if fd < 0 {
            throw UplinkError(.ioError, "cannot write \(path): \(errnoText()) (the old file is unchanged)")
        }
        let tmp = String(cString: template)
        func fail(_ what: String) -> UplinkError {
            let e = errnoText()
            close(fd)
            unlink(tmp)
            return UplinkError(.ioError, "cannot write \(path): \(what): \(e) (the old file is unchanged)")
        }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("write failed")
            }
            off += n
        }
        if fchmod(fd, mode) != 0 { throw fail("chmod failed") }
        if existed && getuid() == 0 { _ = fchown(fd, st.st_uid, st.st_gid) }
        if fsync(fd) != 0 { throw fail("fsync failed") }
        if close(fd) != 0 {
            let e = errnoText()
            unlink(tmp)
            throw UplinkError(.ioError, "cannot write \(path): close failed: \(e) (the old file is unchanged)")
        }
        if rename(tmp, path) != 0 {
            let e = errnoText()
            unlink(tmp)
            throw UplinkError(.ioError, "cannot replace \(path): \(e) (the old file is unchanged)")
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
