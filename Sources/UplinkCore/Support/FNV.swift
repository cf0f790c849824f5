/// FNV-1a, 64 bit: a stable hash for deterministic names (not for security).
public enum FNV1a {
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    /// `count` characters of the hash in lowercase base32 (a-z, 2-7).
    public static func base32(_ text: String, count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var h = hash(text.utf8)
        var out = ""
        for _ in 0..<count {
            out.append(alphabet[Int(h & 31)])
            h >>= 5
        }
        return out
    }
}
