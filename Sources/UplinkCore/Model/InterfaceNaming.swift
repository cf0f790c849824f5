/// Deterministic names for everything an uplink creates.
///
/// An uplink interface is `wu_` + up to five letters/digits from the end of the peer id +
/// `_` + four characters of a hash of the whole id: at most 13 characters of `[a-z0-9_]`,
/// which fits mwan3 (interface ≤ 13), netifd and Linux device names (≤ 15), and keeps ids
/// that sanitise alike apart (`sb-a:b` and `sb_a_b` differ in the hash). A clash with a name
/// already taken by another peer moves to the next hash deterministically.
public enum InterfaceNaming {
    public static let prefix = "wu_"
    public static let maximumLength = 13

    public static func interfaceName(for peer: PeerID, taken: Set<String> = []) -> String {
        let alnum = peer.rawValue.lowercased().utf8.filter {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
        }
        let hint = String(decoding: alnum.suffix(5), as: UTF8.self)
        var attempt = 0
        while true {
            let seed = attempt == 0 ? peer.rawValue : "\(peer.rawValue)#\(attempt)"
            let name = prefix + hint + "_" + FNV1a.base32(seed, count: 4)
            if !taken.contains(name) { return name }
            attempt += 1
        }
    }

    /// The netifd and mwan3 interface of an uplink's IPv6 side, on the same device (mwan3
    /// tracks one family per interface): `wu_abcde_f3k2` → `w6_abcde_f3k2`, as short, and no
    /// IPv4 uplink name starts with `w6_`.
    public static let ipv6Prefix = "w6_"
    public static func ipv6InterfaceName(interface: String) -> String {
        interface.hasPrefix(prefix) ? ipv6Prefix + interface.dropFirst(prefix.count) : String((interface + "6").suffix(maximumLength))
    }

    /// mwan3 member of an uplink (≤ 15 characters).
    public static func memberName(interface: String) -> String { interface + "_m" }
    /// mwan3 rule keeping an uplink's endpoint UDP on the main table (≤ 15 characters).
    public static func endpointRuleName(interface: String) -> String { interface + "_e" }
    /// netifd wireguard peer section of an uplink.
    public static func peerSectionName(interface: String) -> String { interface + "_peer" }

    public static func isValidInterfaceName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= maximumLength && s.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
        }
    }

    /// Any name mwan3 accepts for an interface (also the user's, e.g. `WAN2`): `[A-Za-z0-9_]`, at most 15.
    public static func isValidMwan3Name(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 15 && s.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
        }
    }

    /// A Linux device name as the kernel accepts it: 1–15 bytes, no '/', ':' or whitespace, not . or ..
    public static func isValidDeviceName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 15 && s != "." && s != ".."
            && s.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") }
    }
}
