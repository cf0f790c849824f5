import UplinkCore
import UplinkSystem

/// A path the daemon and the checks probe: a WAN device or an uplink's WireGuard device.
public struct PathSpec: Equatable, Sendable {
    public var key: String
    public var kind: PathHealth.Kind
    public var name: String
    public var device: String
    /// WAN gateway (Linux backend) for the default route.
    public var gateway: String?
    public var uplink: UplinkConfig?
    public var family: AddressFamily = .ipv4

    public var isTunnel: Bool { kind == .uplink }
}

extension UplinkService {
    /// The WANs and uplinks of the current configuration. On the Linux backend WANs are
    /// `wan_device` (or the default route's device); with mwan3 they are the WAN members'
    /// netifd devices as ubus reports them.
    ///
    /// With `option ipv6 '1'` each path also has an IPv6 side, probed and chosen on its own:
    /// every WAN (on the Linux backend the same devices; with mwan3 the IPv6 WAN members, such
    /// as the stock `wan6`), and every uplink that has an IPv6 address.
    /// `exists` says whether a device is there (the daemon's senses; the kernel by default).
    func pathSpecs(_ cfg: UplinkConfiguration, backend: BackendKind, exists: (String) -> Bool = LinkMonitor.exists) -> [PathSpec] {
        readPathSpecs(cfg, backend: backend, exists: exists)?.specs ?? []
    }

    /// What the daemon reads of its paths: the specs, and the keys of the WANs the
    /// configuration names whether or not they have a device now (nil where WANs are found by
    /// their default routes, so a WAN without one cannot be told from no WAN).
    struct PathRead {
        var specs: [PathSpec]
        var configuredWANs: Set<String>?
    }

    /// The same, for the daemon: nil when the WANs cannot be read at all (mwan3's config locked
    /// or unreadable), and `known` (WAN interface → device) stands in for a WAN whose netifd
    /// status cannot be had for a moment (ubus busy), so a hiccup never takes a WAN away.
    func readPathSpecs(_ cfg: UplinkConfiguration, backend: BackendKind, exists: (String) -> Bool = LinkMonitor.exists,
                       known: [String: String] = [:]) -> PathRead? {
        var specs: [PathSpec] = []
        var configured: Set<String>? = backend == .mwan3 || !cfg.settings.wanDevices.isEmpty ? [] : nil
        let families: [AddressFamily] = cfg.settings.ipv6 ? [.ipv4, .ipv6] : [.ipv4]
        let mwan3Interfaces = backend == .mwan3 && cfg.settings.ipv6 ? mwan3InterfaceNames() : []
        for f in families {
            if backend == .linux {
                // wan_device, else the devices of the family's main-table default routes (an
                // IPv6 WAN may be another device, e.g. a 6in4 tunnel), each with its gateway
                for d in cfg.settings.wanDevices { configured?.insert(f.key(kind: .wan, name: d)) }
                for w in LinuxKernel().wans(configured: cfg.settings.wanDevices, family: f, uplinks: Set(cfg.uplinks.filter(\.adopted).map(\.device))) {
                    specs.append(PathSpec(key: f.key(kind: .wan, name: w.device), kind: .wan, name: w.device, device: w.device,
                                          gateway: w.gateway, family: f))
                }
            } else {
                guard let wans = mwan3WANDevices(family: f, exists: exists, known: known) else { return nil }
                for m in wans.members { configured?.insert(f.key(kind: .wan, name: m)) }
                for (name, dev) in wans.devices {
                    specs.append(PathSpec(key: f.key(kind: .wan, name: name), kind: .wan, name: name, device: dev, family: f))
                }
            }
            // an adopted interface is used for IPv4 only (its addresses stay the administrator's)
            for u in cfg.uplinks where u.usable && cfg.settings.enabled && (f == .ipv4 || (!u.adopted && u.addresses.contains(where: { f.contains($0.address) }))) {
                // with mwan3, an IPv6 side exists only where apply rendered its w6_ interface
                if backend == .mwan3, f == .ipv6, !mwan3Interfaces.contains(InterfaceNaming.ipv6InterfaceName(interface: u.interface)) { continue }
                specs.append(PathSpec(key: f.key(kind: .uplink, name: u.peer.rawValue), kind: .uplink, name: u.peer.rawValue,
                                      device: u.device, uplink: u, family: f))
            }
        }
        return PathRead(specs: specs, configuredWANs: configured)
    }

    /// A WAN's device from netifd's `network.interface.X status`: its l3_device while it is up
    /// (pppoe-wan for PPPoE, not the Ethernet device under it); none while it is down, so a
    /// daemon started before the PPPoE session never probes the wrong device.
    static func wanDevice(status v: JSONValue) -> String? {
        guard v["up"]?.boolValue != false else { return nil }
        return v["l3_device"]?.stringValue ?? v["device"]?.stringValue
    }

    func mwan3InterfaceNames() -> Set<String> {
        guard let tx = try? ConfigTransaction(paths: paths, packages: ["mwan3"], write: false),
              let mwan3 = tx.document("mwan3")?.package else { return [] }
        return Set(mwan3.sections.filter { $0.type == "interface" }.compactMap(\.name))
    }

    /// mwan3 WAN members of the uplinks' policy and their Linux devices (ubus network.interface;
    /// without ubus, e.g. in the lab, the interface's `device` in /etc/config/network, when it exists here).
    /// The enabled WAN members, and the devices of those that have one now; nil when mwan3's
    /// configuration cannot be read now.
    func mwan3WANDevices(family: AddressFamily = .ipv4, exists: (String) -> Bool = LinkMonitor.exists,
                         known: [String: String] = [:]) -> (members: [String], devices: [(String, String)])? {
        guard let tx = try? ConfigTransaction(paths: paths, packages: ["wireguard-uplink", "mwan3", "network"], write: false) else { return nil }
        guard let mwan3 = tx.document("mwan3")?.package,
              let cfg = try? UplinkConfiguration(package: tx.documentOrEmpty(Settings.packageName).package),
              let ctx = try? Mwan3Context(mwan3: mwan3, settings: cfg.settings, family: family, isOwned: Ownership.isOwned) else { return ([], []) }
        var out: [(String, String)] = []
        let network = tx.document("network")?.package
        let members = ctx.wanMembers.filter(\.enabled).map(\.interface)
        for m in ctx.wanMembers where m.enabled {
            if paths.isSystemRoot {
                // netifd's answer (within 1 s: the daemon's loop waits for it); when there is
                // none (ubus busy or restarting) the device known before
                if let r = try? Command.run("ubus", ["call", "network.interface.\(m.interface)", "status"], timeout: 1),
                   r.ok, let v = try? JSON.parse(r.output) {
                    if let dev = Self.wanDevice(status: v) { out.append((m.interface, dev)) }
                } else if let dev = known[m.interface] {
                    out.append((m.interface, dev))
                }
            } else if let s = network?.section(named: m.interface), s.type == "interface",
                      let dev = s["device"] ?? s["ifname"], exists(dev) {
                out.append((m.interface, dev))
            }
        }
        return (members, out)
    }
}
