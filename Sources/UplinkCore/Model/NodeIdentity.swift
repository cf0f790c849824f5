/// This router's default id in the mesh (option `node_id` overrides it). Offers name a router by
/// it and the default address pool is derived from it, so two routers must never share one:
/// SecuBox's own node id when it has one; else the host name, unless it is a stock name that
/// every router out of the box carries ("OpenWrt"), in which case the name of the machine's
/// first Ethernet address is added ("OpenWrt-0a1b2c3d4e5f"): stable across reboots, unique.
public enum NodeIdentity {
    /// Host names that many routers share out of the box.
    public static let stockNames: Set<String> = ["openwrt", "lede", "localhost", "(none)", "router", "secubox"]

    public struct Interface: Equatable, Sendable {
        public var name: String
        /// As /sys/class/net/NAME/address prints it.
        public var mac: String
        /// /sys/class/net/NAME/addr_assign_type: 0 = permanent (burnt in), others set at run time.
        public var permanent: Bool
        public init(name: String, mac: String, permanent: Bool) {
            self.name = name
            self.mac = mac
            self.permanent = permanent
        }
    }

    /// `interfaces` is asked only when the host name is a stock one.
    public static func choose(secubox: String?, hostName: String?, interfaces: () -> [Interface]) -> String {
        if let s = secubox, let id = try? PeerID(validating: s) { return id.rawValue }
        let host = hostName.flatMap { try? PeerID(validating: String($0.prefix(50))) }?.rawValue ?? "openwrt"
        guard stockNames.contains(host.lowercased()) else { return host }
        guard let mac = machineAddress(interfaces()) else { return host }
        return "\(host)-\(mac)"
    }

    /// The first permanent Ethernet address by device name (else the first set at run time),
    /// as 12 hex digits; nil when there is none.
    static func machineAddress(_ interfaces: [Interface]) -> String? {
        func hex(_ mac: String) -> String? {
            let parts = mac.lowercased().split(separator: ":")
            guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && UInt8($0, radix: 16) != nil }) else { return nil }
            let h = parts.joined()
            return h == "000000000000" || h == "ffffffffffff" ? nil : h
        }
        let usable = interfaces.filter { $0.name != "lo" && hex($0.mac) != nil }.sorted { $0.name < $1.name }
        return (usable.first(where: \.permanent) ?? usable.first).flatMap { hex($0.mac) }
    }
}
