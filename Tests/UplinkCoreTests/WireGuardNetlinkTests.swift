import Testing
import UplinkCore

/// Kernel WireGuard's generic netlink answers, laid out byte by byte as the kernel writes them
/// (include/uapi/linux/wireguard.h; nested attributes carry NLA_F_NESTED, 0x8000).
@Suite struct WireGuardNetlinkTests {
    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func attr(_ type: Int, _ value: [UInt8], nested: Bool = false) -> [UInt8] {
        let raw = le16(4 + value.count) + le16(type | (nested ? 0x8000 : 0)) + value
        return raw + [UInt8](repeating: 0, count: (4 - raw.count % 4) % 4)
    }
    /// nlmsghdr + genlmsghdr (cmd, version 1) + attributes
    static func msg(type: Int, flags: Int = 0x2 /* NLM_F_MULTI */, seq: Int, cmd: Int = 0, _ attrs: [UInt8]) -> [UInt8] {
        le32(20 + attrs.count) + le16(type) + le16(flags) + le32(seq) + le32(4242) + [UInt8(cmd), 1, 0, 0] + attrs
    }
    static func control(_ type: Int, seq: Int, code: Int) -> [UInt8] {
        le32(20) + le16(type) + le16(0) + le32(seq) + le32(4242) + le32(code)
    }
    static let keyA = [UInt8](repeating: 0xA1, count: 32), keyB = [UInt8](repeating: 0xB2, count: 32)
    static let own = [UInt8](repeating: 0x0C, count: 32)

    static func allowed(_ family: Int, _ addr: [UInt8], _ cidr: Int) -> [UInt8] {
        attr(1, le16(family)) + attr(2, addr) + attr(3, [UInt8(cidr)])
    }

    /// Two messages and NLMSG_DONE: peer A's allowed IPs continue in the second message.
    static func dump(seq: Int) -> [UInt8] {
        let sin = le16(2) + [0xCA, 0x6C] /* 51820 */ + [192, 0, 2, 1] + [UInt8](repeating: 0, count: 8)
        let peerA1 = attr(1, keyA) + attr(4, sin) + attr(5, le16(25)) + attr(6, le64(1_764_892_800) + le64(5))
            + attr(7, le64(9212)) + attr(8, le64(14820)) + attr(10, le32(1))
            + attr(9, attr(0, allowed(2, [0, 0, 0, 0], 0), nested: true), nested: true)
        let first = attr(1, le32(7)) + attr(2, Array("wgup0".utf8) + [0]) + attr(3, own) + attr(4, own)
            + attr(6, le16(51900)) + attr(7, le32(0))
            + attr(8, attr(0, peerA1, nested: true), nested: true)
        let sin6 = le16(10) + [0xCA, 0x6D] + le32(0) + [0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1] + le32(3)
        let peerA2 = attr(1, keyA) + attr(9, attr(0, allowed(10, [UInt8](repeating: 0, count: 16), 0), nested: true), nested: true)
        let peerB = attr(1, keyB) + attr(4, sin6) + attr(6, le64(0) + le64(0)) + attr(7, le64(0)) + attr(8, le64(148))
        let second = attr(1, le32(7)) + attr(2, Array("wgup0".utf8) + [0])
            + attr(8, attr(0, peerA2, nested: true) + attr(1, peerB, nested: true), nested: true)
        return msg(type: 0x1D, seq: seq, first) + msg(type: 0x1D, seq: seq, second) + control(3, seq: seq, code: 0)
    }

    @Test func readsAKernelDeviceDumpSplitOverMessages() throws {
        let r = try WireGuardNetlink.read(Self.dump(seq: 9), seq: 9)
        #expect(r.done && r.error == nil && r.payloads.count == 2)
        let d = try WireGuardNetlink.device(r.payloads)
        #expect(d.publicKey == WireGuardKey(bytes: Self.own).base64)
        #expect(d.listenPort == 51900 && d.fwmark == nil)
        #expect(d.peers.count == 2, "peer A's second part joins the first")
        let a = d.peers[0], b = d.peers[1]
        #expect(a.publicKey == WireGuardKey(bytes: Self.keyA).base64)
        #expect(a.endpoint == "192.0.2.1:51820" && a.keepalive == 25)
        #expect(a.latestHandshake == 1_764_892_800 && a.rxBytes == 9212 && a.txBytes == 14820)
        #expect(a.allowedIPs == ["0.0.0.0/0", "::/0"])
        #expect(b.endpoint == "[fe80::1%3]:51821" && b.latestHandshake == 0 && b.keepalive == nil && b.txBytes == 148)
        #expect(b.handshakeAge(now: 1_764_892_900) == nil)
    }

    @Test func answersToOtherRequestsAreLeftOut() throws {
        let r = try WireGuardNetlink.read(Self.dump(seq: 3), seq: 4)
        #expect(r.payloads.isEmpty && !r.done)
    }

    @Test func familyIdAndAck() throws {
        let reply = Self.msg(type: 0x10, flags: 0, seq: 5, cmd: 1, Self.attr(2, Array("wireguard".utf8) + [0]) + Self.attr(1, Self.le16(0x1D)))
            + Self.control(2, seq: 5, code: 0)
        let r = try WireGuardNetlink.read(reply, seq: 5)
        #expect(r.done && r.error == nil)
        #expect(try WireGuardNetlink.familyID(r.payloads[0]) == 0x1D)
    }

    @Test func aKernelWithoutWireGuardSaysENOENT() throws {
        let r = try WireGuardNetlink.read(Self.control(2, seq: 6, code: -2), seq: 6)
        #expect(r.done && r.error == -2 && r.payloads.isEmpty)
    }

    @Test func requestsAreWhatTheKernelReads() {
        let f = WireGuardNetlink.familyRequest(seq: 77)
        // 16 header + 4 genl + attribute of 4 + "wireguard\0" (10) padded to 16
        #expect(f.count == 36 && f[0] == 36 && f[4] == 0x10 && f[5] == 0)
        #expect(f[6] == 0x05, "NLM_F_REQUEST | NLM_F_ACK")
        #expect(f[8] == 77 && f[16] == 3 && f[17] == 1, "CTRL_CMD_GETFAMILY, version 1")
        #expect(f[20] == 14 && f[22] == 2 && Array(f[24..<33]) == Array("wireguard".utf8) && f[33] == 0)
        let d = WireGuardNetlink.deviceRequest(family: 0x1D, device: "wgup0", seq: 78)
        #expect(d[4] == 0x1D && d[6] == 0x05 && d[7] == 0x03, "NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP")
        #expect(d[16] == 0 && d[20] == 10 && d[22] == 2 && Array(d[24..<29]) == Array("wgup0".utf8))
    }

    @Test(arguments: [
        [UInt8](repeating: 0xFF, count: 40),               // a message longer than its datagram
        msg(type: 0x1D, seq: 1, [40, 0, 8, 0, 1, 2]),     // an attribute overrunning its message
        Array(msg(type: 0x1D, seq: 1, []).prefix(18)),    // cut inside the genl header
    ])
    func malformedAnswersAreErrors(bytes: [UInt8]) {
        #expect(throws: UplinkError.self) {
            let r = try WireGuardNetlink.read(bytes, seq: 1)
            _ = try WireGuardNetlink.device(r.payloads)
        }
    }

    @Test func aCounterOfTheWrongSizeIsAnError() {
        let peer = Self.attr(1, Self.keyA) + Self.attr(7, Self.le32(5))
        let p = Self.attr(8, Self.attr(0, peer, nested: true), nested: true)
        #expect(throws: UplinkError.self) { _ = try WireGuardNetlink.device([p]) }
    }
}
