import UplinkCore

/// Tells OpenWrt about changed configs. `reload_config` compares each config with what
/// procd saw last and reloads only the services whose files changed (netifd, mwan3, fw4),
/// so an unchanged mwan3 is never restarted. Outside the system root nothing runs.
public struct ServiceReloader: Sendable {
    public let paths: Paths

    public init(paths: Paths) { self.paths = paths }

    /// What was done, for the result: nil when nothing changed.
    public func reload(changed: [String]) -> String? {
        let shared = changed.filter { $0 != Settings.packageName }
        guard !changed.isEmpty else { return nil }
        guard paths.isSystemRoot else { return "skipped (not the system root)" }
        guard !shared.isEmpty || changed.contains(Settings.packageName) else { return nil }
        guard let exe = Command.find("/sbin/reload_config") else { return "skipped (no reload_config: not OpenWrt)" }
        do {
            try Command.check(exe, [], timeout: 30)
            return "reload_config"
        } catch {
            return "reload_config failed: \(error.message)"
        }
    }
}
