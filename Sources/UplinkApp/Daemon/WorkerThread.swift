#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

/// One job at a time on a detached thread, its result handed back through a pipe the daemon's
/// poll loop watches: for work that takes seconds (full checks, a grant over the mesh) and
/// must never stall the loop.
final class WorkerThread<Result: Sendable>: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var running = false
    private var results: [Result] = []
    let readFD: Int32
    private let writeFD: Int32

    init() throws(UplinkError) {
        var fds: [Int32] = [-1, -1]
        guard cloexecPipePair(&fds) else { throw UplinkError(.ioError, "cannot create a pipe: \(errnoText())") }
        readFD = fds[0]
        writeFD = fds[1]
        _ = fcntl(readFD, F_SETFL, fcntl(readFD, F_GETFL) | O_NONBLOCK)
        pthread_mutex_init(&lock, nil)
    }

    var isRunning: Bool {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return running
    }

    /// Runs `job` on a new thread unless one is running; false if one is or no thread could be made.
    @discardableResult
    func start(_ job: @escaping @Sendable () -> Result) -> Bool {
        pthread_mutex_lock(&lock)
        if running {
            pthread_mutex_unlock(&lock)
            return false
        }
        running = true
        pthread_mutex_unlock(&lock)
        guard spawnDetachedThread({ self.finish(job()) }) else {
            pthread_mutex_lock(&lock)
            running = false
            pthread_mutex_unlock(&lock)
            return false
        }
        return true
    }

    private func finish(_ r: Result) {
        pthread_mutex_lock(&lock)
        results.append(r)
        running = false
        pthread_mutex_unlock(&lock)
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    /// The results of finished jobs, each once.
    func take() -> [Result] {
        var buf = [UInt8](repeating: 0, count: 64)
        while buf.withUnsafeMutableBytes({ read(readFD, $0.baseAddress, $0.count) }) > 0 {}
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        let r = results
        results.removeAll()
        return r
    }

    /// Waits (at most `seconds`) for a running job to end.
    func wait(upTo seconds: Double) {
        let deadline = Clock.monotonic() + seconds
        while isRunning && Clock.monotonic() < deadline { Clock.sleep(0.05) }
    }
}

/// Runs `body` on a new detached thread; false if none could be made.
private func spawnDetachedThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    let ctx = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    // musl's pthread_t is an opaque pointer (no initialiser), glibc's an integer
    #if canImport(Musl)
    var tid: pthread_t? = nil
    #else
    var tid = pthread_t()
    #endif
    let rc = pthread_create(&tid, nil, { arg in
        Unmanaged<ThreadBody>.fromOpaque(arg!).takeRetainedValue().body()
        return nil
    }, ctx)
    guard rc == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(ctx).release()
        return false
    }
    #if canImport(Musl)
    pthread_detach(tid!)
    #else
    pthread_detach(tid)
    #endif
    return true
}

private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
