import Testing
import UCI
@testable import UplinkApp
import UplinkCore
import UplinkSystem

extension FixtureRoot {
    /// The fixture router with Marta's hand-written tunnel (Tests/Fixtures/snippets) appended
    /// to its network, edited by `edit` first (a refusal's variant).
    static func withFriendTunnel(_ edit: (String) -> String = { $0 }) throws -> (FixtureRoot, [UInt8]) {
        let f = try FixtureRoot()
        let snippet = String(decoding: try Files.read(fixtures + "/snippets/network-friend-tunnel")!, as: UTF8.self)
        let network = f.original("network")! + Array(edit(snippet).utf8)
        try Files.writeAtomically(f.config("network"), network)
        return (f, network)
    }
}

/// Issue 14: an administrator's WireGuard interface adopted as an uplink, on the fixture
/// router with mwan3. Only the markers and our own sections may change, and go again.
@Suite struct AdoptionTests {
    let marta = try! PeerID(validating: "marta")

    func adopt(_ f: FixtureRoot, _ iface: String = "to_marta") throws -> (UplinkConfig, ApplyOutcome) {
        var req = AddRequest(peer: marta)
        req.interface = iface
        return try f.service.add(req)
    }

    @Test func adoptApplyTwiceRemoveIsByteIdentical() throws {
        let (f, network) = try FixtureRoot.withFriendTunnel()
        let (u, o) = try adopt(f)
        #expect(u.adopted && u.interface == "to_marta" && u.endpoint.description == "10.254.7.2:51821")
        #expect(u.publicKey.base64 == "Wo7y4IL5Uczx5GUiyHDshPVzlpbPSqdZPfpfelUqd2M=")
        #expect(u.addresses.map(\.description) == ["10.77.0.2/32"])
        #expect(o.written == ["wireguard-uplink", "network", "mwan3", "firewall"])
        // network: exactly two lines more, at the end of the user's interface section
        let after = f.text("network")
        let added = after.split(separator: "\n", omittingEmptySubsequences: false).count
            - String(decoding: network, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(added == 2)
        #expect(after.contains("\toption metric '30'\n\toption secubox_uplink '1'\n\toption secubox_peer_id 'marta'\n\nconfig wireguard_to_marta 'marta'"))
        // the user's peer sections are untouched, comments and odd quoting included
        #expect(after.contains("\toption public_key Wo7y4IL5Uczx5GUiyHDshPVzlpbPSqdZPfpfelUqd2M=\n\toption endpoint_host '10.254.7.2'\n\toption endpoint_port \"51821\"\n"))
        let mwan3 = try f.package("mwan3")
        #expect(mwan3.section(named: "to_marta")?["family"] == "ipv4")
        #expect(mwan3.section(named: "to_marta_m")?["interface"] == "to_marta")
        #expect(mwan3.section(named: "to_marta_e")?["dest_ip"] == "10.254.7.2")
        #expect(mwan3.section(named: "to_marta_e")?["dest_port"] == "51821")
        #expect(mwan3.section(named: "balanced")?.list("use_member").last == "to_marta_m")
        #expect(try f.package("firewall").section(named: "wgu_zone")?.list("network") == ["to_marta"])
        // no netifd section of ours: the interface is the user's
        #expect(!f.text("network").contains("managed_by"))

        #expect(try f.service.apply().written.isEmpty)
        let before = f.snapshot()
        let second = try f.service.apply()
        #expect(second.written.isEmpty && second.reload == nil)
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))

        _ = try f.service.remove(marta)
        #expect(f.text("network") == String(decoding: network, as: UTF8.self), "network differs after adopt + remove")
        for p in ["mwan3", "firewall", "wireguard-uplink"] {
            #expect(f.text(p) == String(decoding: f.original(p) ?? [], as: UTF8.self), "\(p) differs after adopt + remove")
        }
    }

    @Test func handMarkedInterfaceIsTakenInByApplyAndTheDaemonsView() throws {
        let (f, network) = try FixtureRoot.withFriendTunnel {
            $0.replacing("\toption metric '30'\n", with: "\toption metric '30'\n\toption secubox_uplink '1'\n\toption secubox_peer_id \"marta\"\n")
        }
        // a read (status, the daemon's snapshot) already sees it
        let status = try f.service.status()
        let listed = status["uplinks"]?.arrayValue?.first
        #expect(listed?["peer_id"]?.stringValue == "marta" && listed?["adopted"]?.boolValue == true)
        let o = try f.service.apply()
        #expect(o.adopted == ["to_marta"])
        #expect(o.written == ["wireguard-uplink", "mwan3", "firewall"], "the user's marked interface is not rewritten")
        #expect(f.text("network") == String(decoding: network, as: UTF8.self))
        let ours = try f.package("wireguard-uplink").section(named: "to_marta")
        #expect(ours?["adopted"] == "1" && ours?["peer_id"] == "marta")
        // the daemon's paths: the uplink on its own device
        let cfg = try f.service.configurationNow()
        let specs = f.service.pathSpecs(cfg, backend: BackendKind.mwan3)
        #expect(specs.contains { $0.key == "uplink:marta" && $0.device == "to_marta" })
        #expect(try f.service.apply().written.isEmpty)
        // removing it takes the markers off (else the next apply would take it in again)
        _ = try f.service.remove(marta)
        #expect(!f.text("network").contains("secubox_"))
        for p in ["mwan3", "firewall", "wireguard-uplink"] { #expect(f.text(p) == String(decoding: f.original(p) ?? [], as: UTF8.self), "\(p)") }
    }

    @Test func markerTakenOffByHandLetsTheInterfaceGo() throws {
        let (f, network) = try FixtureRoot.withFriendTunnel()
        _ = try adopt(f)
        // the administrator deletes the two marker lines by hand
        let text = f.text("network").replacing("\toption secubox_uplink '1'\n\toption secubox_peer_id 'marta'\n", with: "")
        #expect(Array(text.utf8) == network)
        try Files.writeAtomically(f.config("network"), Array(text.utf8))
        let o = try f.service.apply()
        #expect(o.released == ["to_marta"])
        for p in ["mwan3", "firewall", "wireguard-uplink"] { #expect(f.text(p) == String(decoding: f.original(p) ?? [], as: UTF8.self), "\(p)") }
        #expect(f.text("network") == String(decoding: network, as: UTF8.self))
    }

    @Test func handMarkedWithoutPeerIDIsThePeerNamedLikeTheInterface() throws {
        let (f, network) = try FixtureRoot.withFriendTunnel {
            $0.replacing("\toption metric '30'\n", with: "\toption metric '30'\n\toption secubox_uplink 1\n")
        }
        let o = try f.service.apply()
        #expect(o.adopted == ["to_marta"])
        #expect(f.text("network") == String(decoding: network, as: UTF8.self))
        #expect(try f.service.configurationNow().uplinks.map(\.peer.rawValue) == ["to_marta"])
        #expect(try f.service.apply().written.isEmpty)
    }

    /// Each refusal: the message says what to change, and no file changes.
    @Test(arguments: [
        ("two owners", "list allowed_ips '10.77.0.9/32'\n\toption disabled '1'", "list allowed_ips '0.0.0.0/0'",
         "more than one peer owns 0.0.0.0/0 ('marta' (Marta's Turris, 'the blue box'), #2)"),
        ("no owner", "\tlist allowed_ips \"0.0.0.0/0\"\n", "",
         "no peer owns 0.0.0.0/0, so WireGuard would drop everything routed into it; add list allowed_ips '0.0.0.0/0' and option route_allowed_ips '1' to peer 'marta'"),
        ("no peer at all", "config wireguard_to_marta", "config wireguard_to_someone_else", "it has no peer"),
        ("owner without endpoint", "\toption endpoint_host '10.254.7.2'\n", "", "has no endpoint: an uplink dials its provider"),
        ("no route_allowed_ips", "\toption route_allowed_ips '1'\n", "", "set it (and option metric on the interface above your WANs')"),
        ("not WireGuard", "option proto wireguard", "option proto static", "it is not a WireGuard interface (proto 'static')"),
    ])
    func refusals(_ name: String, _ from: String, _ to: String, _ message: String) throws {
        let (f, _) = try FixtureRoot.withFriendTunnel { $0.replacing(from, with: to) }
        let before = f.snapshot()
        #expect {
            _ = try adopt(f)
        } throws: { e in
            let m = (e as? UplinkError)?.message ?? ""
            return m.hasPrefix("interface 'to_marta' cannot be an uplink: ") && m.contains(message)
        }
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()), "\(name): a refusal changed a file")
    }

    /// Names: the device netifd would create, and the name mwan3 takes.
    @Test(arguments: [
        ("to_marta_fibre_1", "a Linux device name has at most 15 characters ('to_marta_fibre_1' has 16)"),
        ("to_marta_fibre", "mwan3 cannot use the name: mwan3 interface names have at most 13 characters"),
        ("wu_marta", "names starting with wu_ or w6_, and wu_server, are wireguard-uplink's own"),
        ("uplink", "'uplink' names a section of wireguard-uplink's own configuration (offer, uplink)"),
    ])
    func nameRefusals(_ iface: String, _ message: String) throws {
        let (f, _) = try FixtureRoot.withFriendTunnel {
            $0.replacing("to_marta", with: iface)
        }
        let before = f.snapshot()
        #expect {
            _ = try adopt(f, iface)
        } throws: { e in ((e as? UplinkError)?.message ?? "").contains(message) }
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
    }

    @Test func otherRefusals() throws {
        let (f, _) = try FixtureRoot.withFriendTunnel()
        let before = f.snapshot()
        var req = AddRequest(peer: marta, endpoint: try Endpoint(parsing: "10.254.7.2:51821"))
        req.interface = "to_marta"
        #expect(throws: UplinkError.self) { try f.service.add(req) }
        req = AddRequest(peer: marta)
        req.interface = "lan"
        #expect { try f.service.add(req) } throws: { ($0 as? UplinkError)?.message.contains("proto 'static'") == true }
        req.interface = "nosuch"
        #expect { try f.service.add(req) } throws: { ($0 as? UplinkError)?.code == .notFound }
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
        // a second adoption of the same interface, under another peer id
        _ = try adopt(f)
        req = AddRequest(peer: try PeerID(validating: "marta2"))
        req.interface = "to_marta"
        #expect { try f.service.add(req) } throws: { ($0 as? UplinkError)?.code == .exists }
    }

    /// The dashboard's add dialog: rpcd uplink_add with `interface`, and its refusal's code.
    @Test func rpcdAdoptsAndRefuses() throws {
        let (f, network) = try FixtureRoot.withFriendTunnel()
        let refused = try JSON.parse(RPCD.call("uplink_add", input: Array(#"{"peer_id":"marta","interface":"lan"}"#.utf8), service: f.service))
        #expect(refused["code"]?.stringValue == "unsupported")
        #expect(refused["error"]?.stringValue?.contains("it is not a WireGuard interface (proto 'static')") == true)
        let out = try JSON.parse(RPCD.call("uplink_add", input: Array(#"{"peer_id":"marta","interface":"to_marta","priority":70}"#.utf8), service: f.service))
        #expect(out["success"] == .bool(true) && out["adopted"] == .bool(true) && out["priority"] == .int(70))
        #expect(out["authorize"] == nil, "an adopted tunnel's provider already knows its key")
        let removed = try JSON.parse(RPCD.call("uplink_remove", input: Array(#"{"peer_id":"marta"}"#.utf8), service: f.service))
        #expect(removed["success"] == .bool(true))
        #expect(f.text("network") == String(decoding: network, as: UTF8.self))
    }

    /// The administrator already made mwan3 sections for the tunnel: adopting it is refused
    /// (ours would take the same names); marked by hand, it is listed with that problem and
    /// the rest of the plan goes on.
    @Test func ownMwan3InterfaceOfTheSameNameIsRefused() throws {
        let (f, _) = try FixtureRoot.withFriendTunnel()
        let mwan3 = f.original("mwan3")! + Array("\nconfig interface 'to_marta'\n\toption enabled '1'\n\tlist track_ip '10.77.0.1'\n".utf8)
        try Files.writeAtomically(f.config("mwan3"), mwan3)
        let before = f.snapshot()
        #expect { _ = try adopt(f) } throws: { ($0 as? UplinkError)?.message.contains("/etc/config/mwan3 already has a section 'to_marta' of yours") == true }
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
        let marked = f.text("network").replacing("\toption metric '30'\n", with: "\toption metric '30'\n\toption secubox_uplink '1'\n")
        try Files.writeAtomically(f.config("network"), Array(marked.utf8))
        let o = try f.service.apply()
        #expect(o.plan.warnings.contains { $0.contains("uplink 'to_marta' is not used") && $0.contains("already has a section 'to_marta' of yours") })
        #expect(f.bytes("mwan3") == mwan3)
    }

    /// Marked by hand under one of our own section names: said, not recorded (the record
    /// would make our file unloadable), and every write goes on.
    @Test func handMarkedUnderOurOwnSectionNameIsNotRecorded() throws {
        let (f, network) = try FixtureRoot.withFriendTunnel {
            $0.replacing("to_marta", with: "offer").replacing("\toption metric '30'\n", with: "\toption metric '30'\n\toption secubox_uplink '1'\n")
        }
        let o = try f.service.apply()
        #expect(o.adopted.isEmpty && o.written.isEmpty)
        #expect(o.plan.warnings.contains { $0.contains("interface 'offer' is marked as an uplink, but its name is one of wireguard-uplink's own section names") })
        _ = try f.service.add(Sample.request("nodeA"))
        #expect(f.text("network").hasPrefix(String(decoding: network, as: UTF8.self)))
    }

    /// The administrator changes the peer id by hand: it is never written back; the uplink
    /// is taken in again under the new id.
    @Test func peerIDChangedByHandIsTheirs() throws {
        let (f, _) = try FixtureRoot.withFriendTunnel()
        _ = try adopt(f)
        let changed = f.text("network").replacing("option secubox_peer_id 'marta'", with: "option secubox_peer_id 'marta-fibre'")
        try Files.writeAtomically(f.config("network"), Array(changed.utf8))
        let o = try f.service.apply()
        #expect(o.released == ["to_marta"] && o.adopted == ["to_marta"])
        #expect(f.text("network") == changed, "their secubox_peer_id is not rewritten")
        #expect(try f.service.configurationNow().uplinks.map(\.peer.rawValue) == ["marta-fibre"])
        #expect(try f.service.apply().written.isEmpty)
    }

    /// A priority set on an interface marked by hand before any apply recorded it.
    @Test func priorityOfAnInterfaceMarkedByHand() throws {
        let (f, _) = try FixtureRoot.withFriendTunnel {
            $0.replacing("\toption metric '30'\n", with: "\toption metric '30'\n\toption secubox_uplink '1'\n\toption secubox_peer_id 'marta'\n")
        }
        _ = try f.service.setPriority(marta, priority: 80)
        #expect(try f.package("wireguard-uplink").section(named: "to_marta")?["priority"] == "80")
        #expect(try f.service.apply().written.isEmpty)
    }

    @Test func adoptedMetricAtOrBelowTheWANsIsWarnedAbout() throws {
        let (f, _) = try FixtureRoot.withFriendTunnel { $0.replacing("option metric '30'", with: "option metric '5'") }
        let (_, o) = try adopt(f)
        #expect(o.plan.warnings.contains { $0.contains("interface 'to_marta' has metric 5, not above your WANs' (10)") })
    }
}

extension UplinkService {
    /// What every read sees (the daemon's snapshot), adopted interfaces resolved.
    func configurationNow() throws -> UplinkConfiguration {
        let snap = try snapshot()
        snap.tx.finish()
        return snap.configuration
    }
}
