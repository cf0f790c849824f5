import UplinkCore

/// Loads and saves the runtime state file. A missing, corrupt or oversized file is reported
/// and treated as empty; the next writer rebuilds it. Saves are atomic.
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

    public func save(_ state: RuntimeState) throws(UplinkError) {
        let text = JSON.serialize(state.json, pretty: true) + "\n"
        try Files.writeAtomically(path, Array(text.utf8), newMode: 0o644)
        // writers of this file do not share a lock: only remove temporaries that are clearly dead
        Files.removeStaleTemporaries(in: Files.dirname(path), olderThan: 60)
    }
}
