import UplinkCore

/// Loads and changes the runtime state file. A missing, corrupt or oversized file is reported
/// and treated as empty; the next writer rebuilds it. Readers need no lock (every save is an
/// atomic rename); writers change it only through `update`, one at a time under the state lock,
/// starting from what is on disk then, so no writer puts back what another has just replaced.
public struct RuntimeStateStore {
    public enum Condition: Equatable, Sendable {
        case ok
        case missing
        case rebuilt(String)

        public var label: String {
            switch self {
            case .ok: return "ok"
            case .missing: return "missing"
            case .rebuilt: return "rebuilt"
            }
        }
        public var reason: String? {
            if case .rebuilt(let r) = self { return r }
            return nil
        }
    }

    public let path: String

    public init(paths: Paths) { path = paths.runtimeState }

    /// The lock every writer of the state file holds while it reads, changes and saves it.
    public var lockPath: String { path + ".lock" }

    /// Reads the file under the state lock, lets `change` edit it, and saves it when the edit
    /// changed something or the file needed rebuilding. Returns what was saved (or found).
    @discardableResult
    public func update(timeout: Double = 5, _ change: (inout RuntimeState, Condition) -> Void) throws(UplinkError) -> (state: RuntimeState, condition: Condition) {
        let lock = try FileLock.acquire(lockPath, timeout: timeout)
        defer { lock.release() }
        let (loaded, condition) = load()
        var state = loaded
        change(&state, condition)
        if state != loaded || condition != .ok && condition != .missing || condition == .missing && state != RuntimeState() {
            try save(state)
        }
        return (state, condition)
    }

    public func load() -> (state: RuntimeState, condition: Condition) {
        let bytes: [UInt8]?
        do {
            bytes = try Files.read(path, limit: RuntimeState.maximumFileSize)
        } catch {
            return (RuntimeState(), .rebuilt(error.message))
        }
        guard let bytes else { return (RuntimeState(), .missing) }
        let value: JSONValue
        do {
            value = try JSON.parse(bytes, maxBytes: RuntimeState.maximumFileSize, maxDepth: 16)
        } catch {
            return (RuntimeState(), .rebuilt("\(path) is not valid JSON (\(error.description))"))
        }
        let (state, problems) = RuntimeState.decode(value)
        if problems.isEmpty { return (state, .ok) }
        return (state, .rebuilt("\(path): " + problems.prefix(5).joined(separator: "; ")))
    }

    /// Writes the whole file; callers hold the state lock (use `update`).
    func save(_ state: RuntimeState) throws(UplinkError) {
        let text = JSON.serialize(state.json, pretty: true) + "\n"
        try Files.writeAtomically(path, Array(text.utf8), newMode: 0o644)
        // a temporary of a writer killed mid-save; a minute old, it is surely dead
        Files.removeStaleTemporaries(in: Files.dirname(path), olderThan: 60)
    }
}
