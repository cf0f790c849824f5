import CSystemShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// WireGuard key pairs from the kernel's random source.
public enum Keys {
    public static func randomBytes(_ count: Int) throws(UplinkError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { wgu_getrandom($0.baseAddress! + filled, count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw UplinkError(.ioError, "cannot get random bytes: \(errnoText())")
            }
            filled += n
        }
        return out
    }

    public static func generatePair() throws(UplinkError) -> (privateKey: WireGuardKey, publicKey: WireGuardKey) {
        let priv = X25519.clamp(try randomBytes(32))
        return (WireGuardKey(bytes: priv), WireGuardKey(bytes: X25519.publicKey(privateKey: priv)))
    }

    public static func publicKey(for privateKey: WireGuardKey) -> WireGuardKey {
        WireGuardKey(bytes: X25519.publicKey(privateKey: privateKey.bytes))
    }
}
