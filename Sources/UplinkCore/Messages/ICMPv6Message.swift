/// An ICMPv6 message read from a raw IPv6 ICMP socket, which (unlike IPv4) delivers it
/// without the IP header: an echo reply, or a router's error about one of our echo requests
/// (destination unreachable, time exceeded), which quotes the request's IPv6 header and
/// first bytes. The sender's address comes from `recvfrom`, not from the message.
public struct ICMPv6Message: Equatable, Sendable {
    public var kind: ICMPMessage.Kind
    /// Destination of our request: for an error, read from the quoted header; nil for an
    /// echo reply (its sender is the target).
    public var target: [UInt8]?
    public var identifier: UInt16
    public var sequence: UInt16
    public var nonce: UInt64?

    public static let echoRequest: UInt8 = 128
    public static let echoReply: UInt8 = 129

    /// Nil for anything else (neighbour discovery, router adverts, other people's errors).
    public static func parse(_ b: [UInt8]) -> ICMPv6Message? {
        guard b.count >= 8 else { return nil }
        switch b[0] {
        case echoReply:
            return ICMPv6Message(kind: .echoReply, target: nil, identifier: ICMPMessage.be16(b, 4), sequence: ICMPMessage.be16(b, 6),
                                 nonce: b.count >= 16 ? ICMPMessage.be64(b, 8) : nil)
        case 1, 3:
            // 8 bytes of ICMPv6 header, the quoted IPv6 header (40), our echo request (8+)
            let inner = 8, icmp = inner + 40
            guard b.count >= icmp + 8, b[inner] >> 4 == 6, b[inner + 6] == 58, b[icmp] == echoRequest else { return nil }
            return ICMPv6Message(kind: b[0] == 3 ? .timeExceeded : .unreachable(code: b[1]), target: Array(b[(inner + 24)..<(inner + 40)]),
                                 identifier: ICMPMessage.be16(b, icmp + 4), sequence: ICMPMessage.be16(b, icmp + 6),
                                 nonce: b.count >= icmp + 16 ? ICMPMessage.be64(b, icmp + 8) : nil)
        default:
            return nil
        }
    }

    /// An echo request: the kernel fills in the checksum of ICMPv6 raw sockets.
    public static func echoRequest(identifier: UInt16, sequence: UInt16, nonce: UInt64, payloadSize: Int) -> [UInt8] {
        ICMPMessage.echo(type: echoRequest, identifier: identifier, sequence: sequence, nonce: nonce, payloadSize: payloadSize)
    }
}
