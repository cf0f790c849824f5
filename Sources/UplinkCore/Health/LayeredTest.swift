/// `wgctl uplink test`: underlay, tunnel, provider, internet and DNS, bottom up, each with its measured figure and,
/// when it fails, the likely cause and the command to look further. A failed layer skips
/// the layers above it (they cannot pass without it).
public struct LayerResult: Equatable, Sendable {
    public enum Status: String, Sendable { case pass, fail, skip }
    public var layer: String
    public var status: Status
    public var measured: String?
    public var detail: String?
    public var hint: String?
    public var command: String?

    public init(layer: String, status: Status, measured: String? = nil, detail: String? = nil, hint: String? = nil, command: String? = nil) {
        self.layer = layer
        self.status = status
        self.measured = measured
        self.detail = detail
        self.hint = hint
        self.command = command
    }

    public var json: JSONValue {
        var o = JSONObject()
        o.set("layer", layer)
        o.set("status", status.rawValue)
        o.set("measured", measured)
        o.set("detail", detail)
        o.set("hint", hint)
        o.set("command", command)
        return o.value
    }
}

public enum LayeredTest {
    public static let layers = ["underlay", "tunnel", "provider", "internet", "dns"]
    /// The internet through the uplink over IPv6 (an uplink with an IPv6 address, option
    /// ipv6 on), listed last. It needs the tunnel and the provider, not the IPv4 internet: a
    /// provider may carry one family and not the other, so each family's internet is reported
    /// on its own.
    public static let ipv6Layer = "internet_ipv6"
    static let ipv6DependsOn: Set<String> = ["underlay", "tunnel", "provider"]

    /// Marks every layer after the first failure as skipped (the IPv6 internet only after a
    /// failure of a layer it needs). `ipv6`: the uplink carries IPv6, so its layer is listed.
    public static func finish(_ results: [LayerResult], ipv6: Bool = false) -> [LayerResult] {
        var out: [LayerResult] = []
        var failed: String? = nil
        var failedBelowIPv6: String? = nil
        for name in layers + (ipv6 ? [ipv6Layer] : []) {
            if let f = name == ipv6Layer ? failedBelowIPv6 : failed {
                out.append(LayerResult(layer: name, status: .skip, detail: "not tested: \(f) failed"))
                continue
            }
            let r = results.first { $0.layer == name } ?? LayerResult(layer: name, status: .skip, detail: "not measured")
            out.append(r)
            if r.status == .fail {
                if failed == nil { failed = name }
                if ipv6DependsOn.contains(name), failedBelowIPv6 == nil { failedBelowIPv6 = name }
            }
        }
        return out
    }

    public static func report(peer: PeerID, interface: String, layers: [LayerResult], durationMs: Int) -> JSONValue {
        var o = JSONObject()
        o.set("success", true)
        o.set("peer_id", peer.rawValue)
        o.set("interface", interface)
        // a layer skipped for want of a figure (not because a lower one failed) is no failure
        o.set("passed", !layers.contains { $0.status == .fail })
        o.set("failed_layer", layers.first { $0.status == .fail }?.layer)
        o.set("duration_ms", durationMs)
        o.set("layers", .array(layers.map(\.json)))
        return o.value
    }
}
