import Testing
import UplinkCore

/// Netlink's framing as the daemon's link monitor reads it: RTM_NEWLINK messages (16-byte
/// header, 16-byte ifinfomsg, attributes) name the links that changed.
@Suite struct NetlinkMessageTests {
    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func attr(_ type: Int, _ value: [UInt8]) -> [UInt8] {
        let raw = le16(4 + value.count) + le16(type) + value
        return raw + [UInt8](repeating: 0, count: (4 - raw.count % 4) % 4)
    }
    /// RTM_NEWLINK (16) for one link: ifinfomsg, IFLA_MTU (4), IFLA_IFNAME (3)
    static func newLink(_ name: String) -> [UInt8] {
        let body = [UInt8](repeating: 0, count: 16) + attr(4, le32(1420)) + attr(3, Array(name.utf8) + [0])
        return le32(16 + body.count) + le16(16) + le16(0) + le32(0) + le32(0) + body
    }

    @Test func linkNamesOfEveryMessageInADatagram() {
        let d = Self.newLink("wan") + Self.newLink("wu_nodea_eynh")
        #expect(Netlink.linkNames(d[...]) == ["wan", "wu_nodea_eynh"])
    }

    @Test func aMessageThatOverrunsItsDatagramNamesNothing() throws {
        var d = Self.newLink("wan")
        d[0] = 200 // longer than the datagram
        #expect(Netlink.linkNames(d[...]).isEmpty)
        #expect(throws: UplinkError.self) { try Netlink.messages(d[...]) }
    }

    @Test func attributesAreReadWithoutTheirNestedFlag() throws {
        let nested = Self.le16(8) + Self.le16(0x8000 | 9) + Self.le32(7)
        let a = try Netlink.attributes(nested[...])
        #expect(a.count == 1 && a[0].type == 9 && Array(a[0].value) == Self.le32(7))
    }
}
