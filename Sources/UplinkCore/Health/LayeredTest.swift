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

    /// Marks every layer after the first failure as skipped.
    public static func finish(_ results: [LayerResult]) -> [LayerResult] {
        var out: [LayerResult] = []
        var failed: String? = nil
        for name in layers {
            if let f = failed {
                out.append(LayerResult(layer: name, status: .skip, detail: "not tested: \(f) failed"))
                continue
            }
            let r = results.first { $0.layer == name } ?? LayerResult(layer: name, status: .skip, detail: "not measured")
            out.append(r)
            if r.status == .fail { failed = name }
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
