/// The parts of `ip -json route` / `ip -json route get` output the product uses.
public struct RouteInfo: Equatable, Sendable {
    public var destination: String
    public var gateway: String?
    public var device: String?
    public var source: String?
    public var metric: Int?
    public var table: String?
    public var flags: [String]

    public var isDefault: Bool { destination == "default" || destination == "0.0.0.0/0" }
    public var isLinkDown: Bool { flags.contains("linkdown") }

    public static func parse(_ text: String) throws(UplinkError) -> [RouteInfo] {
        let v: JSONValue
        do { v = try JSON.parse(text, maxBytes: 4 << 20, maxDepth: 8) } catch {
            throw UplinkError(.parseError, "ip -json output is not JSON: \(error.description)")
        }
        guard let items = v.arrayValue else { throw UplinkError(.parseError, "ip -json output is not a list") }
        return items.compactMap { r in
            guard let dst = r["dst"]?.stringValue else { return nil }
            let table: String? = r["table"]?.stringValue ?? r["table"]?.intValue.map { String($0) }
            return RouteInfo(destination: dst, gateway: r["gateway"]?.stringValue, device: r["dev"]?.stringValue,
                             source: r["prefsrc"]?.stringValue, metric: r["metric"]?.intValue.map { Int($0) },
                             table: table, flags: r["flags"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
    }
}
