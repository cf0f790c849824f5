import UplinkCore
import UplinkSystem

/// Carries out one automatic add or removal (AutoAdd) on a worker thread: a zero-touch add
/// waits up to grant_timeout for the provider's grant, which the daemon's poll loop must never
/// do. One action at a time; its outcome comes back through a pipe the loop polls.
final class AutoAddWorker: Sendable {
    enum Job: Sendable {
        case add(PeerID)
        case remove(PeerID)
    }

    struct Outcome: Sendable {
        var job: Job
        /// What was done (the new interface and address), or nil on failure.
        var done: String?
        var error: UplinkError?
    }

    private let worker: WorkerThread<Outcome>
    var readFD: Int32 { worker.readFD }

    init() throws(UplinkError) { worker = try WorkerThread() }

    var isRunning: Bool { worker.isRunning }

    /// Starts `job` unless one is running; false if one is or no thread could be made.
    func start(_ job: Job, service: UplinkService) -> Bool {
        worker.start { Self.run(job, service: service) }
    }

    /// The finished action's outcome, once.
    func take() -> Outcome? { worker.take().last }

    /// Waits (at most `seconds`) for a running action to end: the daemon stops only then, so
    /// a grant is not left half installed.
    func wait(upTo seconds: Double) { worker.wait(upTo: seconds) }

    static func run(_ job: Job, service: UplinkService) -> Outcome {
        var o = Outcome(job: job)
        do {
            switch job {
            case .add(let peer):
                let (u, _) = try service.addFromOffer(peer, priority: nil, weight: nil, automatic: true)
                o.done = "interface \(u.interface), address \(u.addresses.map(\.description).joined(separator: ","))"
            case .remove(let peer):
                let (u, _) = try service.remove(peer, byHand: false)
                o.done = "interface \(u.interface) removed"
            }
        } catch {
            o.error = error
        }
        return o
    }
}
