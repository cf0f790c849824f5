/// The few bytes of RFC 1035 a DNS health check needs: an A query and its answers.
public enum DNSMessage {
    public static func query(id: UInt16, name: String) throws(UplinkError) -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let b = Array(label.utf8)
            guard !b.isEmpty, b.count < 64 else { throw UplinkError(.invalidArgument, "bad DNS name \(name)") }
            out.append(UInt8(b.count))
            out += b
        }
        out += [0, 0, 1, 0, 1]
        return out
    }

    /// Answers of a reply to query `id`; nil when it is not a well-formed reply to it.
    public static func parseReply(_ m: [UInt8], id: UInt16) -> (rcode: Int, addresses: [IPAddress])? {
        guard m.count >= 12, UInt16(m[0]) << 8 | UInt16(m[1]) == id, m[2] & 0x80 != 0 else { return nil }
        let rcode = Int(m[3] & 0x0F)
        let qd = Int(m[4]) << 8 | Int(m[5])
        let an = Int(m[6]) << 8 | Int(m[7])
        var i = 12
        func skipName() -> Bool {
            var hops = 0
            while i < m.count {
                let l = Int(m[i])
                if l == 0 { i += 1; return true }
                if l & 0xC0 == 0xC0 { i += 2; return i <= m.count }
                i += l + 1
                hops += 1
                if hops > 128 { return false }
            }
            return false
        }
        for _ in 0..<qd {
            guard skipName(), i + 4 <= m.count else { return nil }
            i += 4
        }
        var addrs: [IPAddress] = []
        for _ in 0..<min(an, 64) {
            guard skipName(), i + 10 <= m.count else { return nil }
            let type = Int(m[i]) << 8 | Int(m[i + 1])
            let len = Int(m[i + 8]) << 8 | Int(m[i + 9])
            i += 10
            guard i + len <= m.count else { return nil }
            if type == 1 && len == 4 {
                addrs.append(.v4(UInt32(m[i]) << 24 | UInt32(m[i + 1]) << 16 | UInt32(m[i + 2]) << 8 | UInt32(m[i + 3])))
            }
            i += len
        }
        return (rcode, addrs)
    }
}
