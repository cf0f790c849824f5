// Raw ICMP packets as the probe socket reads them (echo replies, routers' errors).
import UplinkCore

enum ICMPFuzz {
    static func check(_ bytes: [UInt8]) {
        guard let m = ICMPMessage.parse(bytes) else { return }
        // whatever it says, it came from a packet long enough to hold it
        precondition(bytes.count >= 28)
        if m.nonce != nil { precondition(bytes.count >= 36) }
        if m.kind != .echoReply { precondition(bytes.count >= 56) }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ICMPFuzz.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
