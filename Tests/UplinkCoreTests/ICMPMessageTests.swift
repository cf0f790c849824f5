import Testing
import UplinkCore

/// What the raw probe socket reads: echo replies, and routers' errors that quote our echo
/// request (how `uplink test` hears the provider as the tunnel's first hop).
@Suite struct ICMPMessageTests {
    static func ipHeader(protocol proto: UInt8 = 1, source: [UInt8], dest: [UInt8], ttl: UInt8 = 64) -> [UInt8] {
        [0x45, 0, 0, 84, 0x12, 0x34, 0x40, 0, ttl, proto, 0, 0] + source + dest
    }

    /// Our echo request as it left: to 198.19.0.2, id 0xBEEF, sequence 7, the nonce first in the payload.
    static let request: [UInt8] = ipHeader(source: [10, 200, 1, 2], dest: [198, 19, 0, 2], ttl: 1)
        + [8, 0, 0x11, 0x22, 0xBE, 0xEF, 0, 7] + [1, 2, 3, 4, 5, 6, 7, 8] + [UInt8](repeating: 0x55, count: 40)

    @Test func anEchoReplyNamesItsSenderAndOurRequest() throws {
        let reply = Self.ipHeader(source: [198, 19, 0, 2], dest: [10, 200, 1, 2]) + [0, 0, 0x19, 0x22, 0xBE, 0xEF, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8]
        let m = try #require(ICMPMessage.parse(reply))
        #expect(m.kind == .echoReply && m.identifier == 0xBEEF && m.sequence == 7 && m.nonce == 0x0102030405060708)
        #expect(m.source == 0xC6130002 && m.target == m.source)
    }

    @Test func timeExceededFromTheFirstHopQuotesOurRequest() throws {
        // the provider (10.200.1.1) quotes our request's header and payload (Linux: up to 576 B)
        let packet = Self.ipHeader(source: [10, 200, 1, 1], dest: [10, 200, 1, 2]) + [11, 0, 0xAA, 0xBB, 0, 0, 0, 0] + Self.request
        let m = try #require(ICMPMessage.parse(packet))
        #expect(m.kind == .timeExceeded)
        #expect(m.source == 0x0AC80101, "the answering hop")
        #expect(m.target == 0xC6130002, "our request's destination")
        #expect(m.identifier == 0xBEEF && m.sequence == 7 && m.nonce == 0x0102030405060708)
    }

    @Test func aRouterThatQuotesOnlyEightBytesStillMatchesWithoutANonce() throws {
        // RFC 792 minimum: the IP header and 8 bytes of the datagram
        let packet = Self.ipHeader(source: [10, 200, 1, 1], dest: [10, 200, 1, 2]) + [3, 0, 0, 0, 0, 0, 0, 0] + Array(Self.request.prefix(28))
        let m = try #require(ICMPMessage.parse(packet))
        #expect(m.kind == .unreachable(code: 0) && m.nonce == nil && m.sequence == 7)
    }

    @Test func anythingElseIsNotOurs() {
        let from = Self.ipHeader(source: [10, 200, 1, 1], dest: [10, 200, 1, 2])
        // an error about a UDP datagram, a redirect, an echo request, truncated and empty input
        var udp = Self.request
        udp[9] = 17
        #expect(ICMPMessage.parse(from + [11, 0, 0, 0, 0, 0, 0, 0] + udp) == nil)
        var notEcho = Self.request
        notEcho[20] = 13 // a timestamp request quoted
        #expect(ICMPMessage.parse(from + [11, 0, 0, 0, 0, 0, 0, 0] + notEcho) == nil)
        #expect(ICMPMessage.parse(from + [5, 1, 0, 0, 10, 0, 0, 1] + Self.request) == nil)
        #expect(ICMPMessage.parse(from + [8, 0, 0, 0, 0xBE, 0xEF, 0, 7]) == nil)
        #expect(ICMPMessage.parse(from + [11, 0, 0, 0, 0, 0, 0, 0] + Array(Self.request.prefix(24))) == nil)
        #expect(ICMPMessage.parse(Array(from.prefix(19))) == nil)
        #expect(ICMPMessage.parse([]) == nil)
        var v6 = from + [0, 0, 0, 0, 0, 0, 0, 0]
        v6[0] = 0x65
        #expect(ICMPMessage.parse(v6) == nil)
    }
}
