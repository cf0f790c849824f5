/// Netlink's framing (linux/netlink.h), shared by every netlink reader here: the messages of a
/// datagram (16-byte header, 4-byte aligned), the attributes of a message (4-byte header,
/// 4-byte aligned), integers in host order (little-endian on x86_64 and aarch64). Pure.
public enum Netlink {
    public static let headerSize = 16

    public struct Message: Sendable {
        public var type: UInt16
        public var flags: UInt16
        public var seq: UInt32
        public var payload: ArraySlice<UInt8> // after the 16-byte header
    }

    public struct Attribute: Sendable {
        public var type: UInt16 // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
        public var value: ArraySlice<UInt8>
    }

    static let attributeTypeMask: UInt16 = 0x3FFF

    /// The messages of a datagram; a length that overruns it is an error.
    public static func messages(_ datagram: ArraySlice<UInt8>) throws(UplinkError) -> [Message] {
        var out: [Message] = []
        var off = datagram.startIndex
        while off + headerSize <= datagram.endIndex {
            let len = Int(u32(datagram, off))
            guard len >= headerSize, off + len <= datagram.endIndex else {
                throw UplinkError(.parseError, "netlink message of \(len) bytes in a datagram of \(datagram.endIndex - off)")
            }
            out.append(Message(type: u16(datagram, off + 4), flags: u16(datagram, off + 6), seq: u32(datagram, off + 8),
                               payload: datagram[(off + headerSize)..<(off + len)]))
            off += align(len)
        }
        return out
    }

    /// The attributes in a run of bytes; nested ones are read by calling this on a value.
    public static func attributes(_ bytes: ArraySlice<UInt8>) throws(UplinkError) -> [Attribute] {
        var out: [Attribute] = []
        var off = bytes.startIndex
        while off + 4 <= bytes.endIndex {
            let len = Int(u16(bytes, off))
            guard len >= 4, off + len <= bytes.endIndex else {
                throw UplinkError(.parseError, "netlink attribute of \(len) bytes overruns its message")
            }
            out.append(Attribute(type: u16(bytes, off + 2) & attributeTypeMask, value: bytes[(off + 4)..<(off + len)]))
            off += align(len)
        }
        return out
    }

    /// The link names (IFLA_IFNAME) a datagram of RTM_NEWLINK/RTM_DELLINK messages mentions;
    /// whatever does not parse mentions nothing.
    public static func linkNames(_ datagram: ArraySlice<UInt8>) -> Set<String> {
        var names = Set<String>()
        let ifinfomsgSize = 16, iflaIfname: UInt16 = 3
        for m in (try? messages(datagram)) ?? [] where m.payload.count >= ifinfomsgSize {
            for a in (try? attributes(m.payload.dropFirst(ifinfomsgSize))) ?? [] where a.type == iflaIfname {
                names.insert(String(decoding: a.value.prefix { $0 != 0 }, as: UTF8.self))
            }
        }
        return names
    }

    static func align(_ n: Int) -> Int { (n + 3) & ~3 }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
    static func u16(_ b: ArraySlice<UInt8>, _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
    static func u32(_ b: ArraySlice<UInt8>, _ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) } }
}
