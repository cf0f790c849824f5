import UCI

/// What the daemon needs to know of /etc/config/mwan3 to compare its verdicts with mwan3's
/// own state: each interface's routing table and which interfaces stand in for each other.
///
/// - mwan3 numbers an interface by its position among the `config interface` sections, counting
///   disabled ones too (mwan3.sh, mwan3_update_iface_to_table); that number is its routing
///   table, which mwan3rtmon fills with the main table's routes through the interface's device,
///   its default route included (mwan3_create_iface_route).
/// - A policy used by a rule sends traffic to its lowest-metric online member; once every
///   member is offline the policy is `unreachable`. `peers` lists, for each interface, the other
///   interfaces that share such a policy with it: taking an interface out is safe only while one
///   of them is online in mwan3.
public struct Mwan3Layout: Equatable, Sendable {
    public var tableIDs: [String: Int]
    public var families: [String: AddressFamily]
    public var peers: [String: Set<String>]

    public init(tableIDs: [String: Int] = [:], families: [String: AddressFamily] = [:], peers: [String: Set<String>] = [:]) {
        self.tableIDs = tableIDs
        self.families = families
        self.peers = peers
    }

    public init(mwan3: UCIPackage) {
        var ids: [String: Int] = [:], fams: [String: AddressFamily] = [:]
        var n = 0
        for s in mwan3.sections where s.type == "interface" {
            // a repeated name is one section to libuci (merged), counted once by mwan3
            if let name = s.name, ids[name] != nil { continue }
            n += 1
            guard let name = s.name else { continue }
            ids[name] = n
            fams[name] = s["family"] == "ipv6" ? .ipv6 : .ipv4
        }
        let used = Set(mwan3.sections.filter { $0.type == "rule" }.compactMap { $0["use_policy"] })
        var peers: [String: Set<String>] = [:]
        for p in mwan3.sections where p.type == "policy" && used.contains(p.name ?? "") {
            let members = Set(p.list("use_member").compactMap { m -> String? in
                guard let ms = mwan3.section(named: m), ms.type == "member" else { return nil }
                return ms["interface"]
            })
            for i in members { peers[i, default: []].formUnion(members.subtracting([i])) }
        }
        self.init(tableIDs: ids, families: fams, peers: peers)
    }
}
