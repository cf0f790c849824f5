// Mesh datagrams: decode and validate anything; a decoded message re-encodes to one that
// decodes equal and fits the size limit.
import UplinkCore

enum GossipFuzz {
    static let key = try! WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
    nonisolated(unsafe) static var validator = GossipValidator(
        meshPeers: [MeshPeer(interface: "wg_mesh", publicKey: key.base64, allowedIPs: [IPPrefix("10.255.0.1/32")!])],
        trust: TrustPolicy())

    static func check(_ bytes: [UInt8]) {
        _ = validator.accept(bytes, interface: "wg_mesh", source: IPAddress("10.255.0.1")!, now: 1_800_000_000)
        if let m = try? GossipMessage.decode(bytes) {
            let again = m.encode()
            precondition(again.count <= GossipMessage.maximumSize + 200, "re-encoded message too large")
            if again.count <= GossipMessage.maximumSize {
                precondition((try? GossipMessage.decode(again)) == m, "encode → decode changed the message")
            }
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    GossipFuzz.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
