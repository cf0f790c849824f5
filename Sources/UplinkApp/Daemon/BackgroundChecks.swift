#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

/// Runs full checks (pings, DNS, HTTP: seconds each) on a worker thread so they never stall
/// the fast loop; results come back through a pipe the daemon polls.
final class BackgroundChecks: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var results: [(String, PathCheck)] = []
    private var running = false
    let readFD: Int32
    private let writeFD: Int32

    init() throws(UplinkError) {
        var fds: [Int32] = [-1, -1]
        guard cloexecPipePair(&fds) else { throw UplinkError(.ioError, "cannot create a pipe: \(errnoText())") }
        readFD = fds[0]
        writeFD = fds[1]
        let flags = fcntl(readFD, F_GETFL)
        _ = fcntl(readFD, F_SETFL, flags | O_NONBLOCK)
        pthread_mutex_init(&lock, nil)
    }

    var isRunning: Bool {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return running
    }

    /// Starts checking `jobs` unless a round is still running; false if one is.
    @discardableResult
    func start(_ jobs: [(PathSpec, Bool)], settings: Settings) -> Bool {
        pthread_mutex_lock(&lock)
        if running {
            pthread_mutex_unlock(&lock)
            return false
        }
        running = true
        pthread_mutex_unlock(&lock)
        let work = Work(owner: self, jobs: jobs, settings: settings)
        var tid = pthread_t()
        let ctx = Unmanaged.passRetained(work).toOpaque()
        let rc = pthread_create(&tid, nil, { arg in
            let w = Unmanaged<Work>.fromOpaque(arg!).takeRetainedValue()
            w.run()
            return nil
        }, ctx)
        if rc != 0 {
            Unmanaged<Work>.fromOpaque(ctx).release()
            finish([])
            return false
        }
        pthread_detach(tid)
        return true
    }

    fileprivate func finish(_ r: [(String, PathCheck)]) {
        pthread_mutex_lock(&lock)
        results += r
        running = false
        pthread_mutex_unlock(&lock)
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    func take() -> [(String, PathCheck)] {
        var buf = [UInt8](repeating: 0, count: 64)
        while buf.withUnsafeMutableBytes({ read(readFD, $0.baseAddress, $0.count) }) > 0 {}
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        let r = results
        results.removeAll()
        return r
    }

    final class Work: @unchecked Sendable {
        let owner: BackgroundChecks
        let jobs: [(PathSpec, Bool)]
        let settings: Settings

        init(owner: BackgroundChecks, jobs: [(PathSpec, Bool)], settings: Settings) {
            self.owner = owner
            self.jobs = jobs
            self.settings = settings
        }

        func run() {
            var out: [(String, PathCheck)] = []
            for (spec, standby) in jobs {
                out.append((spec.key, FullCheck.run(spec, settings: settings, standby: standby, now: Clock.now())))
            }
            owner.finish(out)
        }
    }
}
