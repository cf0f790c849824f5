/// The daemon's auto_add bookkeeping (`auto_add` in the runtime state): the recent automatic
/// adds and removals, the rate limit, the back-off after a failure, and since when each
/// automatic uplink's offer has been missing. Kept in the file so `status` shows it and a
/// restarted daemon neither adds early nor starts an offer's missing hour again.
public struct AutoAddRecord: Equatable, Sendable {
    /// How many past actions are kept (oldest dropped first).
    public static let keptActions = 10

    public struct Action: Equatable, Sendable {
        public enum Kind: String, Sendable { case add, remove }
        /// When it started (in flight) or ended.
        public var time: Double
        public var kind: Kind
        public var peer: String
        public var reason: String
        public var ok: Bool
        public var error: String?

        public init(time: Double, kind: Kind, peer: String, reason: String, ok: Bool, error: String? = nil) {
            self.time = time
            self.kind = kind
            self.peer = peer
            self.reason = reason
            self.ok = ok
            self.error = error
        }
    }

    /// Finished actions, oldest first.
    public var actions: [Action] = []
    /// When the last automatic add was started, whatever its outcome (the rate limit).
    public var lastAdd: Double?
    /// Peer → when an automatic action on it last failed (that peer waits, AutoAdd.retryAfterFailure).
    public var failures: [String: Double] = [:]
    /// Automatic uplink's peer → since when its offer has been expired, absent or withdrawn.
    public var offerMissingSince: [String: Double] = [:]
    /// The action the daemon is carrying out now (its worker thread), if any.
    public var inFlight: Action?

    public init() {}

    public mutating func record(_ a: Action) {
        actions.append(a)
        if actions.count > Self.keptActions { actions.removeFirst(actions.count - Self.keptActions) }
    }

    // MARK: JSON

    public var json: JSONValue {
        var o = JSONObject()
        o.set("actions", .array(actions.map(Self.encode)))
        o.set("last_add", lastAdd)
        o.set("failures", .object(failures.keys.sorted().map { ($0, .double(failures[$0]!)) }))
        o.set("offer_missing_since", .object(offerMissingSince.keys.sorted().map { ($0, .double(offerMissingSince[$0]!)) }))
        o.set("in_flight", inFlight.map(Self.encode) ?? .null)
        return o.value
    }

    public static func encode(_ a: Action) -> JSONValue {
        var o = JSONObject()
        o.set("time", a.time)
        o.set("action", a.kind.rawValue)
        o.set("peer_id", a.peer)
        o.set("reason", a.reason)
        o.set("ok", a.ok)
        o.set("error", a.error)
        return o.value
    }

    /// Reads the `auto_add` object; what cannot be read is left out (an old file has none).
    public static func decode(_ v: JSONValue?) -> AutoAddRecord {
        var r = AutoAddRecord()
        guard let v, case .object = v else { return r }
        r.actions = (v["actions"]?.arrayValue ?? []).suffix(keptActions).compactMap(decodeAction)
        r.lastAdd = v["last_add"]?.doubleValue
        for (k, t) in (v["failures"]?.objectPairs ?? []).prefix(256) { if let t = t.doubleValue { r.failures[k] = t } }
        for (k, t) in (v["offer_missing_since"]?.objectPairs ?? []).prefix(256) { if let t = t.doubleValue { r.offerMissingSince[k] = t } }
        r.inFlight = v["in_flight"].flatMap(decodeAction)
        return r
    }

    static func decodeAction(_ v: JSONValue) -> Action? {
        guard let time = v["time"]?.doubleValue, let kind = v["action"]?.stringValue.flatMap(Action.Kind.init(rawValue:)),
              let peer = v["peer_id"]?.stringValue else { return nil }
        return Action(time: time, kind: kind, peer: peer, reason: v["reason"]?.stringValue ?? "", ok: v["ok"]?.boolValue ?? false,
                      error: v["error"]?.stringValue)
    }
}
