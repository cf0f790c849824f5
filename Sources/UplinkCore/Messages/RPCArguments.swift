/// rpcd call arguments: one JSON object read from stdin (at most `limit` bytes, nesting at
/// most 8), with typed getters that name the argument and its wrong type. Unknown keys (LuCI
/// adds `ubus_rpc_session`) are ignored; empty input counts as `{}`.
public struct RPCArguments: Sendable {
    public let value: JSONValue

    public init(_ input: [UInt8], limit: Int) throws(UplinkError) {
        if input.count > limit {
            throw UplinkError(.invalidJSON, "arguments larger than \(limit) bytes")
        }
        if input.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            value = .object([])
            return
        }
        do {
            value = try JSON.parse(input, maxBytes: limit, maxDepth: 8)
        } catch {
            throw UplinkError(.invalidJSON, "arguments are not valid JSON: \(error.description)")
        }
        guard case .object = value else {
            throw UplinkError(.invalidJSON, "arguments must be a JSON object, got \(value.typeName)")
        }
    }

    func present(_ key: String) -> JSONValue? {
        guard let v = value[key], v != .null else { return nil }
        return v
    }

    public func string(_ key: String) throws(UplinkError) -> String? {
        guard let v = present(key) else { return nil }
        guard let s = v.stringValue else {
            throw UplinkError(.invalidArgument, "argument '\(key)' must be a string, got \(v.typeName)")
        }
        return s
    }

    public func int(_ key: String) throws(UplinkError) -> Int? {
        guard let v = present(key) else { return nil }
        guard let i = v.intValue, i >= Int64(Int32.min), i <= Int64(Int32.max) else {
            throw UplinkError(.invalidArgument, "argument '\(key)' must be an integer, got \(v.typeName)")
        }
        return Int(i)
    }

    public func bool(_ key: String) throws(UplinkError) -> Bool? {
        guard let v = present(key) else { return nil }
        if let b = v.boolValue { return b }
        if let i = v.intValue, i == 0 || i == 1 { return i == 1 }
        throw UplinkError(.invalidArgument, "argument '\(key)' must be true or false, got \(v.typeName)")
    }

    public func peer() throws(UplinkError) -> PeerID {
        guard let s = try string("peer_id") else {
            throw UplinkError(.invalidArgument, "argument 'peer_id' is required")
        }
        return try PeerID(validating: s)
    }
}
