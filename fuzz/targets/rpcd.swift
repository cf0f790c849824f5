// rpcd call arguments (stdin): any bytes give typed values or a clear error.
import UplinkCore

enum RPCDFuzz {
    static func check(_ bytes: [UInt8]) {
        guard let args = try? RPCArguments(bytes, limit: 64 * 1024) else { return }
        _ = try? args.peer()
        for k in ["endpoint", "public_key", "address", "wan_type"] { _ = try? args.string(k) }
        for k in ["priority", "weight", "bandwidth"] { _ = try? args.int(k) }
        for k in ["enabled", "metered"] { _ = try? args.bool(k) }
        if let e = try? args.string("endpoint") { _ = try? Endpoint(parsing: e) }
        if let k = try? args.string("public_key") { _ = try? WireGuardKey(base64: k) }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RPCDFuzz.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
