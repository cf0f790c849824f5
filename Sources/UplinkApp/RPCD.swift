import UplinkCore
import UplinkSystem

/// The rpcd exec plugin `luci.wireguard-dashboard`: `list` prints the method table (static,
/// no file or network access: rpcd runs it once at start without a timeout), `call` reads
/// the arguments from stdin and always prints exactly one JSON object.
public enum RPCD {
    public static let objectName = "luci.wireguard-dashboard"
    public static let maximumInput = 64 * 1024

    /// Method → argument signature, in rpcd's notation ("str", 32 for integers, true for booleans).
    public static let methods: [(String, JSONValue)] = [
        ("uplink_list", .object([])),
        ("uplink_status", .object([])),
        ("uplink_add", .object([("peer_id", .string("str")), ("interface", .string("str")), ("endpoint", .string("str")), ("public_key", .string("str")),
                                ("address", .string("str")), ("gateway", .string("str")), ("dns", .string("str")), ("priority", .int(32)), ("weight", .int(32))])),
        ("uplink_remove", .object([("peer_id", .string("str"))])),
        ("uplink_set_priority", .object([("peer_id", .string("str")), ("weight", .int(32)), ("priority", .int(32))])),
        ("uplink_failover", .object([("enabled", .bool(true))])),
        ("uplink_apply", .object([])),
        ("uplink_test", .object([("peer_id", .string("str"))])),
        ("uplink_offer", .object([("bandwidth", .int(32)), ("wan_type", .string("str")), ("metered", .bool(true))])),
        ("uplink_withdraw", .object([])),
    ]

    /// Methods that change configuration (the ACL's `write` list).
    public static let writeMethods: Set<String> = ["uplink_add", "uplink_remove", "uplink_set_priority", "uplink_failover", "uplink_apply",
                                                   "uplink_offer", "uplink_withdraw"]

    public static func list() -> String {
        JSON.serialize(.object(methods))
    }

    public static func call(_ method: String, input: [UInt8], service: UplinkService) -> String {
        let result: JSONValue
        do {
            result = try dispatch(method, input: input, service: service)
        } catch {
            result = ResultJSON.error(error)
        }
        return JSON.serialize(result)
    }

    static func dispatch(_ method: String, input: [UInt8], service: UplinkService) throws(UplinkError) -> JSONValue {
        guard methods.contains(where: { $0.0 == method }) else {
            throw UplinkError(.unknownMethod, "unknown method '\(PeerID.printable(method).dropFirst().dropLast())'; known: " + methods.map(\.0).joined(separator: ", "))
        }
        let args = try RPCArguments(input, limit: maximumInput)
        switch method {
        case "uplink_list":
            return try service.list()
        case "uplink_status":
            return try service.status()
        case "uplink_add":
            var req = AddRequest(peer: try args.peer())
            if let e = try args.string("endpoint") { req.endpoint = try Endpoint(parsing: e) }
            if let k = try args.string("public_key") { req.publicKey = try WireGuardKey(base64: k) }
            if let a = try args.string("address") { req.addresses = try parseAddresses(a) }
            if let g = try args.string("gateway") { req.gateway = try parseGateway(g) }
            if let d = try args.string("dns") { req.dns = try parseDNS(d) }
            req.priority = try args.int("priority")
            req.weight = try args.int("weight")
            req.interface = try args.string("interface")
            if req.interface == nil && req.addresses.isEmpty && req.gateway == nil && (req.endpoint == nil || req.publicKey == nil) {
                let (u, o) = try service.addFromOffer(req.peer, priority: req.priority, weight: req.weight)
                return ResultJSON.uplink(u, o, action: "added")
            }
            let (u, o) = try service.add(req)
            return ResultJSON.uplink(u, o, action: "added")
        case "uplink_offer":
            return try service.offerResult(UplinkService.OfferRequest(bandwidthMbps: try args.int("bandwidth"),
                                                                      wanType: try args.string("wan_type"), metered: try args.bool("metered")))
        case "uplink_withdraw":
            let o = try service.withdraw()
            var j = JSONObject()
            j.set("success", true)
            j.set("offering", false)
            ResultJSON.outcome(o, into: &j)
            return j.value
        case "uplink_remove":
            let (u, o) = try service.remove(try args.peer())
            return ResultJSON.uplink(u, o, action: "removed")
        case "uplink_set_priority":
            let peer = try args.peer()
            var given = try args.int("weight")
            if given == nil { given = try args.int("priority") }
            guard let p = given else {
                throw UplinkError(.invalidArgument, "argument 'priority' (or the spec's name 'weight'): 1–100, higher preferred, is required")
            }
            let (u, o) = try service.setPriority(peer, priority: p)
            return ResultJSON.uplink(u, o, action: "priority")
        case "uplink_failover":
            guard let on = try args.bool("enabled") else {
                throw UplinkError(.invalidArgument, "argument 'enabled' (true or false) is required")
            }
            let o = try service.setFailover(on)
            var j = JSONObject()
            j.set("success", true)
            j.set("auto_failover", on)
            ResultJSON.outcome(o, into: &j)
            return j.value
        case "uplink_test":
            return try service.test(try args.peer())
        case "uplink_apply":
            let o = try service.apply()
            var j = JSONObject()
            j.set("success", true)
            ResultJSON.outcome(o, into: &j)
            return j.value
        default:
            throw UplinkError(.unknownMethod, "unknown method")
        }
    }

    /// `10.0.0.2/32` or several separated by commas or spaces.
    /// The provider's own tunnel address (`--gateway`), a plain IP address.
    public static func parseGateway(_ text: String) throws(UplinkError) -> IPAddress {
        guard let a = IPAddress(text) else {
            throw UplinkError(.invalidArgument, "gateway \(PeerID.printable(text)) is not an IP address (the provider's own tunnel address, e.g. 10.200.1.1)")
        }
        return a
    }

    /// One to four resolver addresses, comma- or space-separated.
    public static func parseDNS(_ text: String) throws(UplinkError) -> [String] {
        let items = text.split(whereSeparator: { $0 == "," || $0 == " " })
        guard !items.isEmpty, items.count <= 4 else { throw UplinkError(.invalidArgument, "dns must be one to four IP addresses") }
        var out: [String] = []
        for i in items {
            guard let a = IPAddress(i) else { throw UplinkError(.invalidArgument, "dns \(PeerID.printable(String(i))) is not an IP address") }
            out.append(a.description)
        }
        return out
    }

    public static func parseAddresses(_ text: String) throws(UplinkError) -> [IPPrefix] {
        let items = text.split(whereSeparator: { $0 == "," || $0 == " " })
        guard !items.isEmpty, items.count <= 8 else {
            throw UplinkError(.invalidArgument, "address must be one to eight CIDR prefixes like 10.200.1.2/32")
        }
        var out: [IPPrefix] = []
        for i in items {
            guard let p = IPPrefix(i), String(i).contains("/") else {
                throw UplinkError(.invalidArgument, "address \(PeerID.printable(String(i))) is not a CIDR prefix like 10.200.1.2/32")
            }
            out.append(p)
        }
        return out
    }
}
