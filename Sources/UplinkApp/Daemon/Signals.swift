#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SIGTERM/SIGINT ask the daemon to stop, SIGHUP to reload; the handlers only set flags,
/// which the loop reads after poll returns (EINTR).
enum Signals {
    nonisolated(unsafe) static var stop: sig_atomic_t = 0
    nonisolated(unsafe) static var reload: sig_atomic_t = 0

    static func install() {
        signal(SIGTERM) { _ in Signals.stop = 1 }
        signal(SIGINT) { _ in Signals.stop = 1 }
        signal(SIGHUP) { _ in Signals.reload = 1 }
        signal(SIGPIPE, SIG_IGN)
    }
}
