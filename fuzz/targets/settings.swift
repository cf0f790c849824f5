// /etc/config/wireguard-uplink: any file gives settings or a clear error, never a crash.
import UCI
import UplinkCore

enum SettingsFuzz {
    static func check(_ bytes: [UInt8]) {
        guard let doc = try? UCIDocument(bytes: bytes) else { return }
        do {
            let cfg = try UplinkConfiguration(package: doc.package)
            for u in cfg.uplinks { _ = u.section; _ = u.providerAddress }
            _ = cfg.offer.section(updating: nil)
            _ = LinuxPlan(configuration: cfg).nftRuleset
        } catch {
            precondition(!error.message.isEmpty)
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    SettingsFuzz.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
