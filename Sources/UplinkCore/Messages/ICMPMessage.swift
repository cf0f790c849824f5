/// An IPv4 ICMP packet read from a raw socket (IP header included) that concerns one of our
/// echo requests: the echo reply itself, or a router's error about it (time exceeded,
/// destination unreachable), which quotes our request's IP header and first bytes.
public struct ICMPMessage: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case echoReply
        /// TTL ran out at `source` (type 11): it is the hop that forwarded our request.
        case timeExceeded
        /// `source` could not forward it (type 3, with its code).
        case unreachable(code: UInt8)
    }

    public var kind: Kind
    /// Who sent this packet: the echoing host, or the router that reports the error.
    public var source: UInt32
    /// Destination of our request (for an echo reply, its source).
    public var target: UInt32
    public var identifier: UInt16
    public var sequence: UInt16
    /// The first 8 payload bytes of our request, when the packet carries them.
    public var nonce: UInt64?

    /// Nil for anything that is not an echo reply or an error about an echo request.
    public static func parse(_ b: [UInt8]) -> ICMPMessage? {
        guard b.count >= 20, b[0] >> 4 == 4 else { return nil }
        let ihl = Int(b[0] & 0x0F) * 4
        guard ihl >= 20, b.count >= ihl + 8 else { return nil }
        let source = be32(b, 12)
        let type = b[ihl], code = b[ihl + 1]
        switch type {
        case 0:
            return ICMPMessage(kind: .echoReply, source: source, target: source, identifier: be16(b, ihl + 4),
                               sequence: be16(b, ihl + 6), nonce: b.count >= ihl + 16 ? be64(b, ihl + 8) : nil)
        case 3, 11:
            // the quoted request: its IP header, then its ICMP header (8 bytes), then payload
            let inner = ihl + 8
            guard b.count >= inner + 20, b[inner] >> 4 == 4, b[inner + 9] == 1 else { return nil }
            let ihl2 = Int(b[inner] & 0x0F) * 4
            let icmp = inner + ihl2
            guard ihl2 >= 20, b.count >= icmp + 8, b[icmp] == 8 else { return nil }
            return ICMPMessage(kind: type == 11 ? .timeExceeded : .unreachable(code: code), source: source,
                               target: be32(b, inner + 16), identifier: be16(b, icmp + 4), sequence: be16(b, icmp + 6),
                               nonce: b.count >= icmp + 16 ? be64(b, icmp + 8) : nil)
        default:
            return nil
        }
    }

    /// An IPv4 echo request carrying `nonce` in its first 8 payload bytes, checksummed.
    public static func echoRequest(identifier: UInt16, sequence: UInt16, nonce: UInt64, payloadSize: Int) -> [UInt8] {
        var pkt = echo(type: 8, identifier: identifier, sequence: sequence, nonce: nonce, payloadSize: payloadSize)
        let sum = checksum(pkt)
        pkt[2] = UInt8(sum >> 8); pkt[3] = UInt8(sum & 0xFF)
        return pkt
    }

    /// An echo request of `type` (8, or ICMPv6's 128) without its checksum.
    static func echo(type: UInt8, identifier: UInt16, sequence: UInt16, nonce: UInt64, payloadSize: Int) -> [UInt8] {
        var pkt = [UInt8](repeating: 0, count: 8 + max(16, payloadSize))
        pkt[0] = type
        pkt[4] = UInt8(identifier >> 8); pkt[5] = UInt8(identifier & 0xFF)
        pkt[6] = UInt8(sequence >> 8); pkt[7] = UInt8(sequence & 0xFF)
        for i in 0..<8 { pkt[8 + i] = UInt8(truncatingIfNeeded: nonce >> (56 - 8 * UInt64(i))) }
        for i in 16..<pkt.count { pkt[i] = UInt8(truncatingIfNeeded: i) }
        return pkt
    }

    public static func checksum(_ b: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < b.count {
            sum += UInt32(b[i]) << 8 | UInt32(b[i + 1])
            i += 2
        }
        if i < b.count { sum += UInt32(b[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
    static func be32(_ b: [UInt8], _ i: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(b[i + $1]) } }
    static func be64(_ b: [UInt8], _ i: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(b[i + $1]) } }
}
