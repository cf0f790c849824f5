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

    public var isTunnel: Bool { kind == .uplink }
}

extension UplinkService {
    /// The WANs and uplinks of the current configuration. On the Linux backend WANs are
    /// `wan_device` (or the default route's device); with mwan3 they are the WAN members'
    /// netifd devices as ubus reports them.
    func pathSpecs(_ cfg: UplinkConfiguration, backend: BackendKind) -> [PathSpec] {
        var specs: [PathSpec] = []
        if backend == .linux {
            for w in LinuxKernel().wans(configured: cfg.settings.wanDevices) {
                specs.append(PathSpec(key: "wan:\(w.device)", kind: .wan, name: w.device, device: w.device, gateway: w.gateway))
            }
        } else {
            for (name, dev) in mwan3WANDevices() {
                specs.append(PathSpec(key: "wan:\(name)", kind: .wan, name: name, device: dev))
            }
        }
        for u in cfg.uplinks where u.enabled && cfg.settings.enabled {
            specs.append(PathSpec(key: "uplink:\(u.peer.rawValue)", kind: .uplink, name: u.peer.rawValue, device: u.interface, uplink: u))
        }
        return specs
    }

    /// mwan3 WAN members of the uplinks' policy and their Linux devices (ubus network.interface;
    /// without ubus, e.g. in the lab, the interface's `device` in /etc/config/network, when it exists here).
    func mwan3WANDevices() -> [(String, String)] {
        guard let tx = try? ConfigTransaction(paths: paths, packages: ["wireguard-uplink", "mwan3", "network"], write: false),
              let mwan3 = tx.document("mwan3")?.package,
              let cfg = try? UplinkConfiguration(package: tx.documentOrEmpty(Settings.packageName).package),
              let ctx = try? Mwan3Context(mwan3: mwan3, settings: cfg.settings, isOwned: Ownership.isOwned) else { return [] }
        var out: [(String, String)] = []
        let network = tx.document("network")?.package
        for m in ctx.wanMembers where m.enabled {
            if paths.isSystemRoot, let r = try? Command.run("ubus", ["call", "network.interface.\(m.interface)", "status"], timeout: 3),
               r.ok, let v = try? JSON.parse(r.output), let dev = v["l3_device"]?.stringValue ?? v["device"]?.stringValue {
                out.append((m.interface, dev))
            } else if !paths.isSystemRoot, let s = network?.section(named: m.interface), s.type == "interface",
                      let dev = s["device"] ?? s["ifname"], LinkMonitor.exists(dev) {
                out.append((m.interface, dev))
            }
        }
        return out
    }
}
