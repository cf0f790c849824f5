#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The C library's calls whose names Swift types shadow (a socket's `bind`, a reader's
/// `read`), reached through whichever libc the binary is built for: glibc on Debian, musl for
/// the router (Swift's static Linux SDK).
enum Libc {
    static func bind(_ fd: Int32, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.bind(fd, addr, len)
        #else
        Musl.bind(fd, addr, len)
        #endif
    }

    static func read(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buf, count)
        #else
        Musl.read(fd, buf, count)
        #endif
    }
}
