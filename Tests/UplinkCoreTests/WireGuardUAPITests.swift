import Testing
import UplinkCore

/// A userspace WireGuard's `get=1` answer, as wireguard-go writes it, read into the same
/// figures `wg show DEV dump` gives (the daemon reads tunnels this way without a process).
@Suite struct WireGuardUAPITests {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    // RFC 7748 §6.1: Alice's private key and its public key
    static let alicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
    static let alicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    static let bobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"

    static let answer = """
    private_key=\(alicePrivate)
    listen_port=51820
    fwmark=16
    public_key=\(bobPublic)
    preshared_key=0000000000000000000000000000000000000000000000000000000000000000
    protocol_version=1
    endpoint=169.254.10.2:51900
    last_handshake_time_sec=1764892800
    last_handshake_time_nsec=520194002
    tx_bytes=14820
    rx_bytes=9212
    persistent_keepalive_interval=25
    allowed_ip=0.0.0.0/0
    public_key=\(alicePublic)
    last_handshake_time_sec=0
    last_handshake_time_nsec=0
    tx_bytes=0
    rx_bytes=0
    persistent_keepalive_interval=0
    allowed_ip=10.255.0.2/32
    allowed_ip=10.255.1.0/24
    a_future_key=whatever
    errno=0


    """

    @Test func readsPeersCountersAndTheDevicesOwnPrivateKey() throws {
        let d = try WireGuardDump(uapi: Self.answer)
        #expect(d.privateKey == WireGuardKey(bytes: Self.hex(Self.alicePrivate)), "kept for `wg pubkey`: the UAPI gives no public key")
        #expect(d.publicKey == "")
        #expect(d.listenPort == 51820 && d.fwmark == 16)
        #expect(d.peers.count == 2)
        let bob = d.peers[0]
        #expect(bob.publicKey == WireGuardKey(bytes: Self.hex(Self.bobPublic)).base64)
        #expect(bob.endpoint == "169.254.10.2:51900" && bob.allowedIPs == ["0.0.0.0/0"])
        #expect(bob.latestHandshake == 1764892800 && bob.rxBytes == 9212 && bob.txBytes == 14820 && bob.keepalive == 25)
        #expect(bob.handshakeAge(now: 1764892830.5) == 30)
        let idle = d.peers[1]
        #expect(idle.handshakeAge(now: 1764892830) == nil && idle.keepalive == nil && idle.endpoint == nil)
        #expect(idle.allowedIPs == ["10.255.0.2/32", "10.255.1.0/24"])
    }

    @Test func aRefusalOrACutAnswerIsAnError() {
        #expect(throws: UplinkError.self) { try WireGuardDump(uapi: "errno=19\n\n") }
        #expect(throws: UplinkError.self) { try WireGuardDump(uapi: "public_key=\(Self.bobPublic)\nrx_bytes=12\n") }
        #expect(throws: UplinkError.self) { try WireGuardDump(uapi: "") }
    }

    @Test func garbageIsAnErrorNotACrash() {
        for bad in ["public_key=\(Self.bobPublic.uppercased())\nerrno=0\n", "public_key=+f\(Self.bobPublic.dropFirst(2))\nerrno=0\n",
                    "public_key=abc\nerrno=0\n", "rx_bytes=-1\nerrno=0\n", "public_key=\(Self.bobPublic)\nrx_bytes=99999999999999999999999\nerrno=0\n",
                    "no equals sign\nerrno=0\n", "listen_port=x\nerrno=0\n", "errno=\n"] {
            #expect(throws: UplinkError.self, "\(bad)") { try WireGuardDump(uapi: bad) }
        }
    }
}
