import Testing
import UplinkCore

/// What a raw ICMPv6 socket reads (no IP header, unlike IPv4): echo replies, and routers'
/// errors quoting our echo request; anything else (neighbour discovery, router adverts) is not ours.
@Suite struct ICMPv6MessageTests {
    static let target: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 0x19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    static let me: [UInt8] = [0xfd, 0, 0x02, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    static let nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]

    /// Our request as it left: its IPv6 header (next header 58, hop limit 1), then the echo.
    static var quotedRequest: [UInt8] {
        [0x60, 0, 0, 0, 0, 64, 58, 1] + me + target + [128, 0, 0x12, 0x34, 0xBE, 0xEF, 0, 9] + nonce + [UInt8](repeating: 0x10, count: 40)
    }

    @Test func anEchoReplyCarriesOurIdentifierSequenceAndNonce() throws {
        let m = try #require(ICMPv6Message.parse([129, 0, 0x55, 0x66, 0xBE, 0xEF, 0, 9] + Self.nonce + [0x10, 0x11]))
        #expect(m.kind == .echoReply && m.identifier == 0xBEEF && m.sequence == 9 && m.nonce == 0x0102030405060708)
        #expect(m.target == nil, "an echo reply's sender is the target, read from recvfrom")
    }

    @Test func timeExceededAndUnreachableNameOurRequestsDestination() throws {
        let te = try #require(ICMPv6Message.parse([3, 0, 0, 0, 0, 0, 0, 0] + Self.quotedRequest))
        #expect(te.kind == .timeExceeded && te.target == Self.target && te.sequence == 9 && te.nonce == 0x0102030405060708)
        let un = try #require(ICMPv6Message.parse([1, 0, 0, 0, 0, 0, 0, 0] + Array(Self.quotedRequest.prefix(48))))
        #expect(un.kind == .unreachable(code: 0) && un.nonce == nil && un.identifier == 0xBEEF)
    }

    @Test func neighbourDiscoveryAndOtherPeoplesErrorsAreNotOurs() {
        #expect(ICMPv6Message.parse([135, 0, 0, 0, 0, 0, 0, 0] + Self.target) == nil, "neighbour solicitation")
        #expect(ICMPv6Message.parse([134, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == nil, "router advert")
        #expect(ICMPv6Message.parse([128, 0, 0, 0, 0xBE, 0xEF, 0, 9]) == nil, "an echo request")
        var udp = Self.quotedRequest
        udp[6] = 17
        #expect(ICMPv6Message.parse([1, 0, 0, 0, 0, 0, 0, 0] + udp) == nil, "an error about UDP")
        #expect(ICMPv6Message.parse([3, 0, 0, 0, 0, 0, 0, 0] + Array(Self.quotedRequest.prefix(47))) == nil, "truncated quote")
        #expect(ICMPv6Message.parse([129, 0, 0]) == nil && ICMPv6Message.parse([]) == nil)
    }

    @Test func anEchoRequestLeavesTheChecksumToTheKernel() {
        let p = ICMPv6Message.echoRequest(identifier: 0xBEEF, sequence: 9, nonce: 0x0102030405060708, payloadSize: 56)
        #expect(p.count == 64 && p[0] == 128 && p[1] == 0 && p[2] == 0 && p[3] == 0)
        #expect(Array(p[4..<8]) == [0xBE, 0xEF, 0, 9] && Array(p[8..<16]) == Self.nonce)
        let v4 = ICMPMessage.echoRequest(identifier: 0xBEEF, sequence: 9, nonce: 0x0102030405060708, payloadSize: 56)
        #expect(v4[0] == 8 && ICMPMessage.checksum(v4) == 0, "an IPv4 echo carries its own checksum")
    }
}
