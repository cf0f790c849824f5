// `ip -json route` output.
import UplinkCore

enum IPJSONFuzz {
    static func check(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let routes = try? RouteInfo.parse(text) {
            for r in routes { _ = r.isDefault; _ = r.isLinkDown; _ = r.gateway.flatMap { IPAddress($0) } }
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    IPJSONFuzz.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
