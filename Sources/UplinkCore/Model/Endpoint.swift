/// A WireGuard endpoint `HOST:PORT` (`[v6]:PORT` for IPv6). HOST may be a DNS name, or a
/// link-local IPv6 address with the link it lies on, `[fe80::1%mesh0]:51820`, as 802.11s
/// meshes that carry only link-local IPv6 need (wg and netifd pass the scope to the kernel).
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(UplinkError) {
        let bad = UplinkError(.invalidArgument, "endpoint \(PeerID.printable(text)) is not HOST:PORT (use [ADDR]:PORT for IPv6)")
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw bad }
            portText = rest.dropFirst()
            guard Self.address(of: host)?.isV4 == false else { throw bad }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw bad }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw bad }
        }
        guard let port = Int(portText), (1...65535).contains(port), portText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw UplinkError(.invalidArgument, "endpoint port \(PeerID.printable(String(portText))) is not a number from 1 to 65535")
        }
        try Self.validateHost(String(host))
        self.host = String(host)
        self.port = port
    }

    static func validateHost(_ host: String) throws(UplinkError) {
        if IPAddress(host) != nil { return }
        if let pct = host.firstIndex(of: "%") {
            let zone = String(host[host.index(after: pct)...])
            guard let a = IPAddress(host[..<pct]), a.isLinkLocalV6 else {
                throw UplinkError(.invalidArgument, "endpoint host \(PeerID.printable(host)): only a link-local IPv6 address (fe80::/10) takes a %link scope")
            }
            guard InterfaceNaming.isValidDeviceName(zone) else {
                throw UplinkError(.invalidArgument, "endpoint host \(PeerID.printable(host)): \(PeerID.printable(zone)) is not a device name")
            }
            return
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let ok = !host.isEmpty && host.utf8.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-" &&
                label.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
        }
        if !ok { throw UplinkError(.invalidArgument, "endpoint host \(PeerID.printable(host)) is neither an IP address nor a DNS name") }
    }

    /// The host's address (without its scope), nil for a DNS name.
    public var address: IPAddress? { Self.address(of: host) }
    /// The device a link-local endpoint lies on (`mesh0` of `fe80::1%mesh0`).
    public var zone: String? { host.firstIndex(of: "%").map { String(host[host.index(after: $0)...]) } }

    static func address(of host: some StringProtocol) -> IPAddress? {
        IPAddress(host.firstIndex(of: "%").map { host[..<$0] } ?? host[...])
    }

    public var description: String {
        if let a = address, !a.isV4 { return "[\(host)]:\(port)" }
        return "\(host):\(port)"
    }
}
