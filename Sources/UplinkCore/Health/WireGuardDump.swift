/// `wg show <if> dump`: the interface line (private key, public key, listen port, fwmark),
/// then one line per peer: public key, preshared key, endpoint, allowed ips, latest
/// handshake (Unix seconds, 0 = never), rx bytes, tx bytes, persistent keepalive.
public struct WireGuardDump: Equatable, Sendable {
    public struct Peer: Equatable, Sendable {
        public var publicKey: String
        public var endpoint: String?
        public var allowedIPs: [String]
        public var latestHandshake: Int
        public var rxBytes: Int
        public var txBytes: Int
        public var keepalive: Int?

        /// Seconds since the last handshake, nil if there never was one.
        public func handshakeAge(now: Double) -> Int? {
            latestHandshake > 0 ? max(0, Int(now) - latestHandshake) : nil
        }
    }

    public var publicKey: String
    public var listenPort: Int
    public var fwmark: UInt32?
    public var peers: [Peer]

    public static let maximumPeers = 4096

    public init(parsing text: String) throws(UplinkError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { throw UplinkError(.parseError, "wg dump is empty") }
        let head = first.split(separator: "\t", omittingEmptySubsequences: false)
        guard head.count == 4, let port = Int(head[2]) else {
            throw UplinkError(.parseError, "wg dump interface line has \(head.count) fields, expected 4")
        }
        publicKey = String(head[1])
        listenPort = port
        fwmark = head[3] == "off" ? nil : Self.number(head[3]).map { UInt32(truncatingIfNeeded: $0) }
        var peers: [Peer] = []
        for line in lines.dropFirst().prefix(Self.maximumPeers) {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 8, let hs = Int(f[4]), let rx = Int(f[5]), let tx = Int(f[6]), hs >= 0, rx >= 0, tx >= 0 else {
                throw UplinkError(.parseError, "wg dump peer line has \(f.count) fields or bad numbers")
            }
            peers.append(Peer(publicKey: String(f[0]), endpoint: f[2] == "(none)" ? nil : String(f[2]),
                              allowedIPs: f[3] == "(none)" ? [] : f[3].split(separator: ",").map(String.init),
                              latestHandshake: hs, rxBytes: rx, txBytes: tx, keepalive: f[7] == "off" ? nil : Int(f[7])))
        }
        self.peers = peers
    }

    static func number(_ s: Substring) -> Int? {
        if s.hasPrefix("0x") { return Int(s.dropFirst(2), radix: 16) }
        return Int(s)
    }
}
