/// IPv4 or IPv6: every path is probed, chosen and routed per family (a provider may carry
/// one and not the other). An IPv4 path keeps its historic key (`wan:NAME`, `uplink:PEER`);
/// the IPv6 side of the same path is `KEY/ipv6` ('/' appears in no peer id or device name).
public enum AddressFamily: String, Sendable, CaseIterable, Comparable {
    case ipv4, ipv6

    public static let keySuffix = "/ipv6"

    public func contains(_ a: IPAddress) -> Bool { a.isV4 == (self == .ipv4) }

    /// The key of a path of this family.
    public func key(kind: PathHealth.Kind, name: String) -> String {
        "\(kind.rawValue):\(name)" + (self == .ipv4 ? "" : Self.keySuffix)
    }

    public static func of(key: String) -> AddressFamily { key.hasSuffix(keySuffix) ? .ipv6 : .ipv4 }

    /// `wan:wan/ipv6` → (wan, wan); nil for a key that is not `KIND:NAME`.
    public static func parts(ofKey key: String) -> (kind: String, name: String)? {
        guard let colon = key.firstIndex(of: ":") else { return nil }
        var name = key[key.index(after: colon)...]
        if name.hasSuffix(keySuffix) { name = name.dropLast(keySuffix.count) }
        return (String(key[..<colon]), String(name))
    }

    /// "IPv4" / "IPv6", for messages.
    public var label: String { self == .ipv4 ? "IPv4" : "IPv6" }

    public static func < (a: AddressFamily, b: AddressFamily) -> Bool { a == .ipv4 && b == .ipv6 }
}
