/// Kernel WireGuard's generic netlink protocol (include/uapi/linux/wireguard.h), as `wg show`
/// speaks it: the requests to build and the answers to read, without a socket. Reading a kernel
/// tunnel's counters this way costs no process (OpenWrt's WireGuard is the kernel's).
public enum WireGuardNetlink {
    // netlink
    static let headerSize = Netlink.headerSize, genlHeaderSize = 4
    static let nlmsgError: UInt16 = 2, nlmsgDone: UInt16 = 3
    static let flagRequest: UInt16 = 0x1, flagAck: UInt16 = 0x4, flagDump: UInt16 = 0x300
    // the generic netlink controller
    public static let controllerID: UInt16 = 0x10
    static let ctrlGetFamily: UInt8 = 3, ctrlAttrFamilyID: UInt16 = 1, ctrlAttrFamilyName: UInt16 = 2
    // WireGuard's family
    public static let familyName = "wireguard"
    static let cmdGetDevice: UInt8 = 0, version: UInt8 = 1
    enum Device: UInt16 { case ifindex = 1, ifname, privateKey, publicKey, flags, listenPort, fwmark, peers }
    enum Peer: UInt16 {
        case publicKey = 1, presharedKey, flags, endpoint, keepalive, lastHandshake, rxBytes, txBytes, allowedIPs, protocolVersion
    }
    enum AllowedIP: UInt16 { case family = 1, address, cidr }
    static let afInet: UInt16 = 2, afInet6: UInt16 = 10

    /// CTRL_CMD_GETFAMILY for a family ("wireguard"): the answer names the family's id.
    public static func familyRequest(_ name: String = familyName, seq: UInt32) -> [UInt8] {
        message(type: controllerID, flags: flagRequest | flagAck, seq: seq, command: ctrlGetFamily,
                attributes: attribute(ctrlAttrFamilyName, Array(name.utf8) + [0]))
    }

    /// WG_CMD_GET_DEVICE for one device by name (the kernel answers it only as a dump).
    public static func deviceRequest(family: UInt16, device: String, seq: UInt32) -> [UInt8] {
        message(type: family, flags: flagRequest | flagAck | flagDump, seq: seq, command: cmdGetDevice,
                attributes: attribute(Device.ifname.rawValue, Array(device.utf8) + [0]))
    }

    /// What one datagram of answers says: messages for us, and whether the answer is complete.
    public struct Reply: Sendable {
        public var payloads: [[UInt8]] = [] // each message's attributes, after the genl header
        public var done = false
        public var error: Int32? = nil // a negative errno from NLMSG_ERROR or NLMSG_DONE
        public init() {}
    }

    /// Splits a received datagram into its messages. An ack or error (NLMSG_ERROR) ends a
    /// request, NLMSG_DONE a dump (the kernel sends no ack after a dump).
    public static func read(_ datagram: [UInt8], seq: UInt32) throws(UplinkError) -> Reply {
        var r = Reply()
        for m in try Netlink.messages(datagram[...]) where m.seq == seq {
            switch m.type {
            case nlmsgError, nlmsgDone:
                let code = m.payload.count >= 4 ? Int32(bitPattern: Netlink.u32(m.payload, m.payload.startIndex)) : 0
                if code != 0 { r.error = code }
                r.done = true
            default:
                guard m.payload.count >= genlHeaderSize else { throw UplinkError(.parseError, "generic netlink message without its header") }
                r.payloads.append(Array(m.payload.dropFirst(genlHeaderSize)))
            }
        }
        return r
    }

    /// The family id from the controller's answer.
    public static func familyID(_ payload: [UInt8]) throws(UplinkError) -> UInt16 {
        for a in try Netlink.attributes(payload[...]) where a.type == ctrlAttrFamilyID {
            guard a.value.count >= 2 else { break }
            return Netlink.u16(a.value, a.value.startIndex)
        }
        throw UplinkError(.parseError, "the generic netlink controller named no family id")
    }

    /// A device from the messages of one dump. A peer whose allowed IPs do not fit one
    /// message continues in the next under the same public key: its parts are joined.
    public static func device(_ payloads: [[UInt8]]) throws(UplinkError) -> WireGuardDump {
        var d = WireGuardDump(publicKey: "", listenPort: 0, fwmark: nil, peers: [])
        for p in payloads {
            for a in try Netlink.attributes(p[...]) {
                switch Device(rawValue: a.type) {
                case .publicKey?: d.publicKey = try key(a.value)
                case .listenPort?: d.listenPort = Int(try int(a.value, 2))
                case .fwmark?: let m = UInt32(try int(a.value, 4)); d.fwmark = m == 0 ? nil : m
                case .peers?:
                    for entry in try Netlink.attributes(a.value) {
                        let peer = try self.peer(entry.value)
                        if let last = d.peers.last, last.publicKey == peer.publicKey {
                            d.peers[d.peers.count - 1].allowedIPs += peer.allowedIPs
                        } else {
                            guard d.peers.count < WireGuardDump.maximumPeers else {
                                throw UplinkError(.parseError, "wireguard netlink lists over \(WireGuardDump.maximumPeers) peers")
                            }
                            d.peers.append(peer)
                        }
                    }
                default: continue // private key, flags, ifindex, ifname: not needed
                }
            }
        }
        return d
    }

    static func peer(_ bytes: ArraySlice<UInt8>) throws(UplinkError) -> WireGuardDump.Peer {
        var p = WireGuardDump.Peer(publicKey: "", endpoint: nil, allowedIPs: [], latestHandshake: 0, rxBytes: 0, txBytes: 0, keepalive: nil)
        var sawKey = false
        for a in try Netlink.attributes(bytes) {
            switch Peer(rawValue: a.type) {
            case .publicKey?: p.publicKey = try key(a.value); sawKey = true
            case .endpoint?: p.endpoint = try endpoint(a.value)
            case .keepalive?: let k = Int(try int(a.value, 2)); p.keepalive = k == 0 ? nil : k
            case .lastHandshake?:
                // struct __kernel_timespec: 64-bit seconds, then nanoseconds
                guard a.value.count == 16 else { throw UplinkError(.parseError, "wireguard netlink handshake time of \(a.value.count) bytes") }
                let s = Int64(bitPattern: try int(a.value.prefix(8), 8))
                guard s >= 0 else { throw UplinkError(.parseError, "wireguard netlink handshake time is negative") }
                p.latestHandshake = Int(s)
            case .rxBytes?: p.rxBytes = Int(clamping: try int(a.value, 8))
            case .txBytes?: p.txBytes = Int(clamping: try int(a.value, 8))
            case .allowedIPs?:
                for entry in try Netlink.attributes(a.value) { p.allowedIPs.append(try allowedIP(entry.value)) }
            default: continue
            }
        }
        guard sawKey else { throw UplinkError(.parseError, "wireguard netlink peer without a public key") }
        return p
    }

    static func allowedIP(_ bytes: ArraySlice<UInt8>) throws(UplinkError) -> String {
        var family: UInt16 = 0, address: ArraySlice<UInt8> = [], cidr = -1
        for a in try Netlink.attributes(bytes) {
            switch AllowedIP(rawValue: a.type) {
            case .family?: family = UInt16(try int(a.value, 2))
            case .address?: address = a.value
            case .cidr?: cidr = Int(try int(a.value, 1))
            default: continue
            }
        }
        let bits = family == afInet ? 32 : family == afInet6 ? 128 : 0
        guard bits > 0, address.count == bits / 8, (0...bits).contains(cidr), let ip = IPAddress(bytes: Array(address)) else {
            throw UplinkError(.parseError, "wireguard netlink allowed IP is malformed")
        }
        return "\(ip)/\(cidr)"
    }

    /// struct sockaddr_in or sockaddr_in6 (family in host order, port in network order), as
    /// `wg show` prints it.
    static func endpoint(_ v: ArraySlice<UInt8>) throws(UplinkError) -> String? {
        let b = Array(v)
        guard b.count >= 2 else { throw UplinkError(.parseError, "wireguard netlink endpoint is cut short") }
        let family = Netlink.u16(b[...], 0)
        if family == 0 { return nil }
        guard b.count >= 4 else { throw UplinkError(.parseError, "wireguard netlink endpoint is cut short") }
        let port = Int(b[2]) << 8 | Int(b[3])
        if family == afInet, b.count >= 8, let ip = IPAddress(bytes: Array(b[4..<8])) { return "\(ip):\(port)" }
        if family == afInet6, b.count >= 28, let ip = IPAddress(bytes: Array(b[8..<24])) {
            let scope = Netlink.u32(b[...], 24)
            return "[\(ip)\(scope != 0 ? "%\(scope)" : "")]:\(port)"
        }
        throw UplinkError(.parseError, "wireguard netlink endpoint of family \(family) and \(b.count) bytes")
    }

    static func key(_ v: ArraySlice<UInt8>) throws(UplinkError) -> String {
        guard v.count == 32 else { throw UplinkError(.parseError, "wireguard netlink key of \(v.count) bytes") }
        return Base64.encode(Array(v))
    }

    /// An unsigned little-endian (host order on x86_64 and aarch64) integer of exactly `size` bytes.
    static func int(_ v: ArraySlice<UInt8>, _ size: Int) throws(UplinkError) -> UInt64 {
        guard v.count == size else { throw UplinkError(.parseError, "wireguard netlink attribute of \(v.count) bytes, expected \(size)") }
        var n: UInt64 = 0
        for (i, b) in v.enumerated() { n |= UInt64(b) << (8 * UInt64(i)) }
        return n
    }

    static func message(type: UInt16, flags: UInt16, seq: UInt32, command: UInt8, attributes: [UInt8]) -> [UInt8] {
        let len = headerSize + genlHeaderSize + attributes.count
        return Netlink.le32(UInt32(len)) + Netlink.le16(type) + Netlink.le16(flags) + Netlink.le32(seq) + Netlink.le32(0)
            + [command, version, 0, 0] + attributes
    }

    static func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
        let out = Netlink.le16(UInt16(4 + value.count)) + Netlink.le16(type) + value
        return out + [UInt8](repeating: 0, count: Netlink.align(out.count) - out.count)
    }

}
