/// Health of one path (a WAN or an uplink), as the daemon last measured it.
public enum HealthState: String, Sendable, CaseIterable {
    case unknown, up, degraded, down
}

public struct PathHealth: Equatable, Sendable {
    public enum Kind: String, Sendable { case wan, uplink }

    public var kind: Kind
    /// The family this path's probes and routes are for.
    public var family: AddressFamily = .ipv4
    /// WAN name (mwan3/netifd interface or device) or the uplink's peer id.
    public var name: String
    /// Linux device the probes bind to.
    public var device: String?
    public var state: HealthState = .unknown
    public var latencyMs: Double?
    public var lossPct: Double?
    public var lastCheck: Double?
    /// When `state` last changed.
    public var since: Double?
    public var consecutiveFailures = 0
    public var consecutiveSuccesses = 0
    public var handshakeAge: Int?
    public var rxBytes: Int?
    public var txBytes: Int?
    public var detail: String?

    public init(kind: Kind, name: String, device: String? = nil, family: AddressFamily = .ipv4) {
        self.kind = kind
        self.name = name
        self.device = device
        self.family = family
    }

    public var key: String { family.key(kind: kind, name: name) }
}
