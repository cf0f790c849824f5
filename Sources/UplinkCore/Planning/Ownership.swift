import UCI

/// How our sections in shared files are recognised: an option naming us. Sections without
/// it belong to the user and are never rewritten.
public enum Ownership {
    public static let option = "managed_by"
    public static let value = "wireguard-uplink"

    public static func isOwned(_ s: UCISection) -> Bool { s[option] == value }

    public static var marker: UCIOption { UCIOption(option, value) }
}

/// Where a new section of ours goes in a shared file.
public enum Placement: Equatable, Sendable {
    /// At the end of the file.
    case end
    /// After the last section of this type (mwan3 interfaces: their position is their table id,
    /// so existing ones must keep theirs).
    case afterLast(type: String)
    /// Before the first of the user's sections of this type (mwan3 rules match first to last).
    case beforeFirstUser(type: String)
}

public struct DesiredSection: Equatable, Sendable {
    public var section: UCISection
    public var placement: Placement

    public init(_ section: UCISection, _ placement: Placement) {
        self.section = section
        self.placement = placement
    }
}

/// Our members in a user's policy: the one edit we make inside a user's section.
public struct PolicyMembership: Equatable, Sendable {
    public var policy: String
    public var members: [String]
}

/// The marker options of an adopted interface: the edit we make inside a user's interface.
public struct InterfaceMarker: Equatable, Sendable {
    public var interface: String
    public var peer: String
}

/// Everything we want in one shared package.
public struct PackagePlan: Equatable, Sendable {
    public var sections: [DesiredSection] = []
    /// Adopted interfaces (network): each carries `secubox_uplink '1'` and its peer id.
    public var markers: [InterfaceMarker] = []
    /// Interfaces handed back (`remove` of an adopted uplink): their marker options go.
    public var unmarked: [String] = []
    /// Our members per user policy: one policy for both families (the stock config), or the
    /// IPv4 default rule's policy and the IPv6 default rule's policy when they differ.
    public var memberships: [PolicyMembership] = []

    public init(sections: [DesiredSection] = [], memberships: [PolicyMembership] = []) {
        self.sections = sections
        self.memberships = memberships
    }

    /// The first membership planned: the IPv4 default traffic's policy (holding the IPv6
    /// members too when both families' default rules use it).
    public var membership: PolicyMembership? { memberships.first }

    /// Our members wanted in `policy`, in order.
    public func members(of policy: String?) -> [String] {
        memberships.filter { $0.policy == policy }.flatMap(\.members)
    }
}
