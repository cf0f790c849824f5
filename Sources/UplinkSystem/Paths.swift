/// Every file the product reads or writes, under one root (`--root DIR` / `WGCTL_ROOT`), so
/// tests and the lab run on their own trees.
public struct Paths: Sendable {
    public let root: String

    public init(root: String) {
        var r = root.isEmpty ? "/" : root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public var isSystemRoot: Bool { root == "/" }

    public func path(_ relative: String) -> String {
        root == "/" ? "/" + relative : root + "/" + relative
    }

    public var configDir: String { path("etc/config") }
    public func config(_ package: String) -> String { configDir + "/" + package }
    /// libuci's delta directory: uncommitted `uci set` changes live here.
    public func pendingDelta(_ package: String) -> String { path("tmp/.uci/" + package) }
    public var runtimeState: String { path("var/run/wireguard-uplinks.json") }
    public var lockFile: String { path("var/lock/wireguard-uplink.lock") }
    public var wakeSocket: String { path("var/run/wireguard-uplink.sock") }
    public var mwan3TrackDir: String { path("var/run/mwan3track") }

    public func resolve(_ absolute: String) -> String {
        absolute.hasPrefix("/") ? path(String(absolute.dropFirst())) : absolute
    }
}
