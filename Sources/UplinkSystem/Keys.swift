import CSystemShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import UplinkCore

/// WireGuard key pairs from wireguard-tools (`wg genkey`, `wg pubkey`), as LuCI makes them:
/// no cryptography of our own. A public key is derived once per private key and process.
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
        let priv = try key(from: Command.check("wg", ["genkey"], timeout: 5), what: "wg genkey")
        return (priv, try publicKey(for: priv))
    }

    public static func publicKey(for privateKey: WireGuardKey) throws(UplinkError) -> WireGuardKey {
        if let known = derived.withLock({ $0[privateKey] }) { return known }
        let pub = try key(from: Command.check("wg", ["pubkey"], stdin: Array((privateKey.base64 + "\n").utf8), timeout: 5),
                          what: "wg pubkey")
        derived.withLock { $0[privateKey] = pub }
        return pub
    }

    private static let derived = Mutex<[WireGuardKey: WireGuardKey]>([:])

    private static func key(from r: CommandResult, what: String) throws(UplinkError) -> WireGuardKey {
        do throws(UplinkError) { return try WireGuardKey(base64: r.output.trimmingNewlines()) } catch {
            throw UplinkError(.commandFailed, "\(what) printed no WireGuard key")
        }
    }
}
