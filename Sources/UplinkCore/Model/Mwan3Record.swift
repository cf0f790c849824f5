/// The daemon's reconciliation with mwan3 (`mwan3` in the runtime state): the repairs it made
/// where mwan3 was stuck (Mwan3Reconcile) and the put-backs mwan3 has not confirmed yet, so
/// `status` says what the daemon found and did.
public struct Mwan3Record: Equatable, Sendable {
    public static let keptRepairs = 10

    public struct Repair: Equatable, Sendable {
        public var time: Double
        public var interface: String
        /// Mwan3Reconcile.Problem's raw value, or `put_back_ignored`.
        public var problem: String
        /// What the daemon did: `ifup`.
        public var action: String
        public var attempt: Int

        public init(time: Double, interface: String, problem: String, action: String, attempt: Int) {
            self.time = time
            self.interface = interface
            self.problem = problem
            self.action = action
            self.attempt = attempt
        }
    }

    /// Oldest first.
    public var repairs: [Repair] = []
    /// Interface → since when a put-back (`mwan3 ifup`) waits for mwan3 to report it online.
    public var pending: [String: Double] = [:]

    public init() {}

    public mutating func record(_ r: Repair) {
        repairs.append(r)
        if repairs.count > Self.keptRepairs { repairs.removeFirst(repairs.count - Self.keptRepairs) }
    }

    public var json: JSONValue {
        var o = JSONObject()
        o.set("repairs", .array(repairs.map(Self.encode)))
        o.set("pending", .object(pending.keys.sorted().map { ($0, .double(pending[$0]!)) }))
        return o.value
    }

    public static func encode(_ r: Repair) -> JSONValue {
        var o = JSONObject()
        o.set("at", r.time)
        o.set("interface", r.interface)
        o.set("problem", r.problem)
        o.set("action", r.action)
        o.set("attempt", r.attempt)
        return o.value
    }

    public static func decode(_ v: JSONValue?) -> Mwan3Record {
        var r = Mwan3Record()
        guard let v, case .object = v else { return r }
        r.repairs = (v["repairs"]?.arrayValue ?? []).suffix(keptRepairs).compactMap { e in
            guard let t = e["at"]?.doubleValue, let i = e["interface"]?.stringValue, let p = e["problem"]?.stringValue else { return nil }
            return Repair(time: t, interface: i, problem: p, action: e["action"]?.stringValue ?? "ifup", attempt: Int(e["attempt"]?.intValue ?? 1))
        }
        for (k, t) in (v["pending"]?.objectPairs ?? []).prefix(256) { if let t = t.doubleValue { r.pending[k] = t } }
        return r
    }
}
