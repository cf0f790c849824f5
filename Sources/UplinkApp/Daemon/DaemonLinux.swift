import UplinkCore
import UplinkSystem

extension Daemon {
    /// The Linux backend's rules next to other people's: a foreign rule at our priorities is
    /// said loudly (failover cannot be enforced), a wg-quick full tunnel is noted.
    func checkPolicyRules() {
        for f in families { checkPolicyRules(family: f) }
    }

    func checkPolicyRules(family: AddressFamily) {
        guard let rules = try? kernel.rules(family: family) else { return }
        if let conflict = rules.conflict { log("WARNING: \(family == .ipv4 ? "" : "IPv6: ")\(conflict)") }
        for t in rules.fullTunnels {
            log("note: a full tunnel rule (priority \(t.priority): \(t.text)) keeps the default route while a WAN is up; during failover wireguard-uplink's rules at \(LinuxPlan.suppressPriority)/\(LinuxPlan.rulePriority) come first")
        }
    }
}
