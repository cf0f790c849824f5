/// A mesh peer's identifier as users and offers name it (SecuBox ids look like
/// `sb-aa:bb:cc:dd:ee:ff`). Validated before anything touches a file.
public struct PeerID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maximumLength = 64
    public let rawValue: String

    public init(validating raw: String) throws(UplinkError) {
        guard !raw.isEmpty else {
            throw UplinkError(.invalidPeerID, "peer id is empty")
        }
        guard raw.utf8.count <= Self.maximumLength else {
            throw UplinkError(.invalidPeerID, "peer id is longer than \(Self.maximumLength) characters")
        }
        for b in raw.utf8 where !Self.allowed(b) {
            throw UplinkError(.invalidPeerID,
                "peer id \(Self.printable(raw)) contains \(Self.describe(b)); allowed are letters, digits and . _ : -")
        }
        rawValue = raw
    }

    public var description: String { rawValue }

    public static func < (a: PeerID, b: PeerID) -> Bool { a.rawValue < b.rawValue }

    static func allowed(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: ":"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    static func describe(_ b: UInt8) -> String {
        switch b {
        case 0x20: return "a space"
        case 0x0A: return "a newline"
        case 0x09: return "a tab"
        case 0x27: return "a quote (')"
        case 0x22: return "a quote (\")"
        case 0..<0x20, 0x7F: return "a control character"
        case 0x80...: return "a non-ASCII character"
        default: return "'\(Character(Unicode.Scalar(b)))'"
        }
    }

    /// The id shown in an error message, with anything unprintable escaped.
    public static func printable(_ raw: String) -> String {
        var out = "\""
        for b in raw.utf8.prefix(80) {
            if b >= 0x20 && b < 0x7F && b != 0x22 && b != 0x5C {
                out.append(Character(Unicode.Scalar(b)))
            } else {
                out += "\\x" + String(b, radix: 16, uppercase: false).leftPad(2)
            }
        }
        return out + (raw.utf8.count > 80 ? "...\"" : "\"")
    }
}

extension String {
    func leftPad(_ width: Int, with c: Character = "0") -> String {
        count >= width ? self : String(repeating: c, count: width - count) + self
    }
}
