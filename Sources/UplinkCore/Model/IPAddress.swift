/// IPv4 and IPv6 addresses and prefixes, parsed strictly (no DNS, no zone ids).
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let b = Self.parseV6(String(text)) else { return nil }
            self = .v6(b)
        } else {
            guard let v = Self.parseV4(String(text)) else { return nil }
            self = .v4(v)
        }
    }

    /// From network-order bytes: 4 for IPv4, 16 for IPv6.
    public init?(bytes b: [UInt8]) {
        switch b.count {
        case 4: self = .v4(b.reduce(0) { $0 << 8 | UInt32($1) })
        case 16: self = .v6(b)
        default: return nil
        }
    }

    public var isV4: Bool { if case .v4 = self { return true } else { return false } }
    /// fe80::/10: meaningful only with the link it lies on.
    public var isLinkLocalV6: Bool { if case .v6(let b) = self { return b[0] == 0xFE && b[1] & 0xC0 == 0x80 } else { return false } }
    public var bitCount: Int { isV4 ? 32 : 128 }

    public var description: String {
        switch self {
        case .v4(let v):
            return "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)"
        case .v6(let b):
            var groups: [UInt16] = []
            for i in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(b[i]) << 8 | UInt16(b[i + 1])) }
            // longest run of zero groups (length ≥ 2) becomes ::
            var bestStart = -1, bestLen = 0, i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8 && groups[j] == 0 { j += 1 }
                    if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                    i = j
                } else { i += 1 }
            }
            func hex(_ g: ArraySlice<UInt16>) -> String { g.map { String($0, radix: 16) }.joined(separator: ":") }
            if bestStart < 0 { return hex(groups[...]) }
            return hex(groups[0..<bestStart]) + "::" + hex(groups[(bestStart + bestLen)...])
        }
    }

    /// Dotted quad: four parts of 1–3 ASCII digits, each ≤ 255, no leading zero. Read as
    /// bytes: the planner parses thousands of these per call.
    static func parseV4(_ s: String) -> UInt32? {
        var v: UInt32 = 0, part: UInt32 = 0, digits = 0, parts = 0, leadingZero = false
        for b in s.utf8 {
            if b == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                v = v << 8 | part
                parts += 1; part = 0; digits = 0
            } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                if digits == 1 && leadingZero { return nil }
                if digits == 0 { leadingZero = b == UInt8(ascii: "0") }
                digits += 1
                part = part * 10 + UInt32(b - UInt8(ascii: "0"))
                guard digits <= 3, part <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return v << 8 | part
    }

    static func parseV6(_ s: String) -> [UInt8]? {
        guard s.utf8.count <= 45 else { return nil }
        let halves = s.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let items = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, item) in items.enumerated() {
                if i == items.count - 1, item.contains(".") {
                    guard let v4 = parseV4(String(item)) else { return nil }
                    out.append(UInt16(v4 >> 16)); out.append(UInt16(v4 & 0xFFFF))
                    continue
                }
                guard !item.isEmpty, item.count <= 4, let g = UInt16(item, radix: 16) else { return nil }
                out.append(g)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all: [UInt16]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    func masked(_ prefix: Int) -> IPAddress {
        switch self {
        case .v4(let v):
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
            return .v4(v & mask)
        case .v6(var b):
            for i in 0..<16 {
                let bits = max(0, min(8, prefix - i * 8))
                b[i] &= bits == 0 ? 0 : ~UInt8(0) << (8 - bits)
            }
            return .v6(b)
        }
    }
}

/// An address with a prefix length, as in `10.200.1.2/32` or `0.0.0.0/0`.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int

    public init(address: IPAddress, length: Int) {
        self.address = address
        self.length = length
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let addr = IPAddress(parts[0]) else { return nil }
        var len = addr.bitCount
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                  let l = Int(parts[1]), l <= addr.bitCount else { return nil }
            len = l
        }
        address = addr
        length = len
    }

    public var description: String { "\(address)/\(length)" }

    public func contains(_ a: IPAddress) -> Bool {
        guard a.isV4 == address.isV4 else { return false }
        return a.masked(length) == address.masked(length)
    }

    /// Builds a prefix from an OpenWrt `ipaddr` + `netmask` pair (dotted netmask).
    public static func fromNetmask(address: String, netmask: String) -> IPPrefix? {
        guard let a = IPAddress(address), case .v4 = a, let m = IPAddress.parseV4(netmask) else { return nil }
        let len = m.nonzeroBitCount
        guard m == (len == 0 ? 0 : ~UInt32(0) << (32 - len)) else { return nil }
        return IPPrefix(address: a, length: len)
    }
}
