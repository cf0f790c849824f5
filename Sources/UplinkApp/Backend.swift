import UplinkCore
import UplinkSystem

/// Which machinery carries failover: mwan3 on OpenWrt, kernel policy routing elsewhere.
public enum BackendKind: String, Sendable {
    case mwan3, linux

    static func choose(_ settings: Settings, mwan3Present: Bool) throws(UplinkError) -> BackendKind {
        switch settings.backend {
        case .mwan3:
            guard mwan3Present else {
                throw UplinkError(.configError, "option backend is 'mwan3' but /etc/config/mwan3 does not exist (install mwan3, or use backend 'linux')")
            }
            return .mwan3
        case .linux: return .linux
        case .auto: return mwan3Present ? .mwan3 : .linux
        }
    }
}
