/// One `*.pub` file of the trusted-peer directory, read for what it holds: WireGuard mesh keys
/// (base64, 32 bytes), and SecuBox factory keys `secubox-factory-pub:<node_id>:<sha256hex>`,
/// which name a node id. Anything else (a signify key, comments, garbage) is ignored.
public enum TrustFile {
    public static let secuboxPrefix = "secubox-factory-pub:"

    public static func parse(_ text: String) -> (keys: Set<String>, nodeIDs: Set<String>) {
        var keys = Set<String>(), ids = Set<String>()
        for line in text.split(whereSeparator: { $0.isNewline }) {
            let l = line.drop { $0 == " " || $0 == "\t" }
            if l.hasPrefix(secuboxPrefix) {
                let fields = l.dropFirst(secuboxPrefix.count).split(separator: ":", omittingEmptySubsequences: false)
                guard fields.count == 2, fields[1].count == 64, fields[1].allSatisfy({ (c: Character) in c.isHexDigit }),
                      let id = try? PeerID(validating: String(fields[0])) else { continue }
                ids.insert(id.rawValue)
                continue
            }
            for word in l.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                if let k = try? WireGuardKey(base64: String(word)) { keys.insert(k.base64) }
            }
        }
        return (keys, ids)
    }
}
