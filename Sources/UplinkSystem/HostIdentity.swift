import UplinkCore

/// Reads what `NodeIdentity` decides from: SecuBox's node id file (under the root, so tests
/// can give one), the kernel's host name, and the Ethernet addresses in /sys/class/net.
public enum HostIdentity {
    public static let secuboxNodeIDFile = "var/run/secubox-p2p/node.id"

    public static func defaultNodeID(root: String) -> String {
        func text(_ path: String) -> String? {
            guard let raw = try? Files.read(path, limit: 256) else { return nil }
            let s = String(decoding: raw, as: UTF8.self).trimmingNewlines()
            return s.isEmpty ? nil : s
        }
        let base = root.hasSuffix("/") ? root : root + "/"
        func interfaces() -> [NodeIdentity.Interface] {
            Files.entries(in: "/sys/class/net").compactMap { name in
                guard text("/sys/class/net/\(name)/type") == "1", let mac = text("/sys/class/net/\(name)/address") else { return nil }
                return .init(name: name, mac: mac, permanent: text("/sys/class/net/\(name)/addr_assign_type") == "0")
            }
        }
        return NodeIdentity.choose(secubox: text(base + secuboxNodeIDFile), hostName: text("/proc/sys/kernel/hostname"), interfaces: interfaces)
    }
}
