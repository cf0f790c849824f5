import UplinkCore
import UplinkSystem

/// Runs full checks (pings, DNS, HTTP: seconds each) on a worker thread so they never stall
/// the fast loop; results come back through a pipe the daemon polls.
final class BackgroundChecks: Sendable {
    private let worker: WorkerThread<[(String, PathCheck)]>
    var readFD: Int32 { worker.readFD }

    init() throws(UplinkError) { worker = try WorkerThread() }

    var isRunning: Bool { worker.isRunning }

    /// Starts checking `jobs` unless a round is still running; false if one is.
    @discardableResult
    func start(_ jobs: [(PathSpec, Bool)], settings: Settings) -> Bool {
        let work = Jobs(jobs)
        return worker.start {
            work.jobs.map { spec, standby in (spec.key, FullCheck.run(spec, settings: settings, standby: standby, now: Clock.now())) }
        }
    }

    func take() -> [(String, PathCheck)] { worker.take().flatMap { $0 } }

    /// The round's paths, handed to the worker thread.
    private final class Jobs: @unchecked Sendable {
        let jobs: [(PathSpec, Bool)]
        init(_ jobs: [(PathSpec, Bool)]) { self.jobs = jobs }
    }
}
