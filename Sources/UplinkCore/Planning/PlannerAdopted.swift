import UCI

/// What the planner says about an adopted interface it does not write: its firewall zone and
/// its default route's metric stay the administrator's.
extension Planner {
    /// The user's firewall zone that already lists `network`, if any (fw4 takes a network in
    /// one zone; ours then leaves it out).
    static func userZone(of network: String, firewall: UCIPackage) -> UCISection? {
        firewall.sections.first { $0.type == "zone" && !Ownership.isOwned($0) && $0.words("network").contains(network) }
    }

    /// An adopted interface's default route (route_allowed_ips) lands in the main table with
    /// the interface's metric: at or below a WAN's it competes with that WAN's default route.
    static func adoptedMetricWarning(_ u: UplinkConfig, network: UCIPackage, wans: [String]) -> String? {
        guard let s = network.section(named: u.interface) else { return nil }
        let metric = s["metric"].flatMap { Int($0) } ?? 0
        let wanMetrics = wans.compactMap { network.section(named: $0)?["metric"].flatMap { Int($0) } ?? 0 }
        guard let highest = wanMetrics.max(), metric <= highest else { return nil }
        return "uplink '\(u.peer)': interface '\(u.interface)' has metric \(metric), not above your WANs' (\(highest)), so its default route competes with theirs in the main table; set option metric '\(highest + 10)' on it"
    }
}
