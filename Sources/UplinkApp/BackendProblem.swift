import UplinkCore
import UplinkSystem

/// Why the chosen backend cannot fail anything over right now, in words an administrator can
/// act on. The mwan3 backend only decides: mwan3 switches. A router whose /etc/config/mwan3
/// exists but whose mwan3 is stopped, or not started at boot, is offline when its WAN dies,
/// and `status`, the dashboard and the daemon's log must say so.
public struct BackendProblem: Equatable, Sendable {
    public enum Code: String, Sendable {
        case mwan3NotRunning = "mwan3_not_running"
        case mwan3NotEnabled = "mwan3_not_enabled"
    }

    public let code: Code
    public let message: String

    public static func of(_ kind: BackendKind, configured: Settings.Backend, mwan3: Mwan3Service) -> BackendProblem? {
        guard kind == .mwan3 else { return nil }
        let why = configured == .auto ? "backend 'auto' chose mwan3 because /etc/config/mwan3 exists, but " : ""
        if !mwan3.running {
            return BackendProblem(code: .mwan3NotRunning, message: "\(why)mwan3 is not running, so nothing fails over when the WAN dies. Start it (/etc/init.d/mwan3 enable; /etc/init.d/mwan3 start), or set option backend 'linux'")
        }
        if mwan3.enabledAtBoot == false {
            return BackendProblem(code: .mwan3NotEnabled, message: "mwan3 runs now but does not start at boot, so after a reboot nothing fails over. Enable it: /etc/init.d/mwan3 enable")
        }
        return nil
    }

    public var json: JSONValue {
        var o = JSONObject()
        o.set("code", code.rawValue)
        o.set("message", message)
        return o.value
    }
}
