/// A WireGuard device's peers and counters, from `wg show <if> dump` (the interface line:
/// private key, public key, listen port, fwmark; then per peer: public key, preshared key,
/// endpoint, allowed ips, latest handshake in Unix seconds (0 = never), rx bytes, tx bytes,
/// persistent keepalive) or from the cross-platform UAPI's `get=1` answer (see `init(uapi:)`).
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

    /// The device's own public key; empty from the UAPI, which gives only the private key.
    public var publicKey: String
    /// The device's private key, from the UAPI only (`wg pubkey` derives the public one).
    public var privateKey: WireGuardKey?
    public var listenPort: Int
    public var fwmark: UInt32?
    public var peers: [Peer]

    public static let maximumPeers = 4096

    public init(publicKey: String, listenPort: Int, fwmark: UInt32?, peers: [Peer]) {
        self.publicKey = publicKey
        self.listenPort = listenPort
        self.fwmark = fwmark
        self.peers = peers
    }

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

    /// The answer of a userspace WireGuard (wireguard-go) to `get=1` on its UAPI socket:
    /// `key=value` lines, keys in lowercase hex, a `public_key` line starting each peer, and
    /// `errno=N` last. Unknown keys are ignored, as the protocol asks.
    public init(uapi text: String) throws(UplinkError) {
        publicKey = ""
        listenPort = 0
        fwmark = nil
        peers = []
        var current: Peer? = nil
        var errno: Int? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let eq = line.firstIndex(of: "=") else { throw UplinkError(.parseError, "wireguard UAPI line without '='") }
            let key = line[..<eq], value = line[line.index(after: eq)...]
            func int() throws(UplinkError) -> Int {
                guard let n = Int(value), n >= 0 else { throw UplinkError(.parseError, "wireguard UAPI \(key) is not a count") }
                return n
            }
            switch key {
            case "public_key":
                guard let k = Self.hexKey(value) else { throw UplinkError(.parseError, "wireguard UAPI public_key is not 64 hex digits") }
                if let c = current { peers.append(c) }
                guard peers.count < Self.maximumPeers else { throw UplinkError(.parseError, "wireguard UAPI lists over \(Self.maximumPeers) peers") }
                current = Peer(publicKey: k, endpoint: nil, allowedIPs: [], latestHandshake: 0, rxBytes: 0, txBytes: 0, keepalive: nil)
            case "private_key":
                guard let raw = Self.hexKeyBytes(value) else { throw UplinkError(.parseError, "wireguard UAPI private_key is not 64 hex digits") }
                privateKey = WireGuardKey(bytes: raw)
            case "listen_port": listenPort = try int()
            case "fwmark": fwmark = UInt32(truncatingIfNeeded: try int())
            case "endpoint": current?.endpoint = String(value)
            case "allowed_ip": current?.allowedIPs.append(String(value))
            case "last_handshake_time_sec": let n = try int(); current?.latestHandshake = n
            case "rx_bytes": let n = try int(); current?.rxBytes = n
            case "tx_bytes": let n = try int(); current?.txBytes = n
            case "persistent_keepalive_interval": let n = try int(); current?.keepalive = n == 0 ? nil : n
            case "errno": errno = try int()
            default: continue
            }
        }
        if let c = current { peers.append(c) }
        guard let e = errno else { throw UplinkError(.parseError, "wireguard UAPI answer is cut short (no errno line)") }
        guard e == 0 else { throw UplinkError(.ioError, "wireguard UAPI answered errno=\(e)") }
    }

    /// A key in the UAPI's hex, as base64 (the form `wg` and our configuration use).
    static func hexKey(_ s: Substring) -> String? { hexKeyBytes(s).map(Base64.encode) }

    /// A key's 32 bytes from 64 lowercase hex digits.
    static func hexKeyBytes(_ s: Substring) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        let u = Array(s.utf8)
        guard u.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return bytes
    }
}
