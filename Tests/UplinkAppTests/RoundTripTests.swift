import Testing
import UCI
import UplinkApp
import UplinkCore
import UplinkSystem

/// The acceptance checks of the core issue on a copy of the fixture router.
@Suite struct RoundTripTests {
    @Test func addThenRemoveLeavesSharedFilesByteIdentical() throws {
        let f = try FixtureRoot()
        let (u, o) = try f.service.add(Sample.request("nodeA"))
        #expect(o.written == ["wireguard-uplink", "network", "mwan3", "firewall"])
        #expect(f.text("network").contains("config interface '\(u.interface)'"))
        _ = try f.service.remove(u.peer)
        for p in ["network", "mwan3", "firewall", "wireless", "wireguard-uplink"] {
            #expect(f.bytes(p) == f.original(p), "\(p) differs after add+remove")
        }
    }

    @Test func severalUplinksAddedAndRemovedInAnyOrder() throws {
        let f = try FixtureRoot()
        let peers = ["sb-aa:bb:cc:dd:ee:01", "sb-aa:bb:cc:dd:ee:02", "barn", "flat.3"]
        for (i, p) in peers.enumerated() {
            _ = try f.service.add(Sample.request(p, port: 51900 + i, address: "10.200.\(i).2/32", priority: 10 * (i + 1)))
        }
        for p in [peers[2], peers[0], peers[3], peers[1]] { _ = try f.service.remove(try PeerID(validating: p)) }
        for p in ["network", "mwan3", "firewall", "wireguard-uplink"] {
            #expect(f.bytes(p) == f.original(p), "\(p) differs")
        }
    }

    @Test func applyTwiceWritesNothingTheSecondTime() throws {
        let f = try FixtureRoot()
        _ = try f.service.add(Sample.request("nodeA"))
        let first = try f.service.apply()
        #expect(first.written.isEmpty)
        let before = f.snapshot()
        let second = try f.service.apply()
        #expect(second.written.isEmpty)
        #expect(second.reload == nil, "nothing changed, so nothing (mwan3 included) may be reloaded")
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
    }

    @Test func generatedFilesLoadInLibuciGrammar() throws {
        let f = try FixtureRoot()
        _ = try f.service.add(Sample.request("nodeA"))
        _ = try f.service.add(Sample.request("sb-aa:bb:cc:dd:ee:ff", host: "10.254.7.2", port: 51901, address: "10.200.2.2/32"))
        for p in ["network", "mwan3", "firewall", "wireguard-uplink"] {
            let doc = try UCIDocument(bytes: f.bytes(p) ?? [])
            // Re-rendering what libuci sees and parsing again gives the same model.
            #expect(try UCIDocument(text: UCIRender.package(doc.package)).package == doc.package)
        }
        let net = try f.package("network")
        let iface = net.sections.first { $0["secubox_peer_id"] == "nodeA" }!
        #expect(iface["proto"] == "wireguard")
        #expect(iface["nohostroute"] == "1")
        #expect(Int(iface["metric"]!)! > 10)
        let peer = net.sections.first { $0.type == "wireguard_\(iface.name!)" }!
        #expect(peer.list("allowed_ips") == ["0.0.0.0/0"])
        #expect(peer["route_allowed_ips"] == "1")
        #expect(peer["persistent_keepalive"] == "25")
        let metrics = net.sections.filter { $0.type == "interface" }.compactMap { $0["metric"] }
        #expect(Set(metrics).count == metrics.count, "interface metrics must be unique")
    }

    @Test func userSectionsAreNeverRewritten() throws {
        let f = try FixtureRoot()
        let before = try f.package("mwan3")
        _ = try f.service.add(Sample.request("nodeA"))
        let after = try f.package("mwan3")
        for s in before.sections {
            guard let name = s.name else { continue }
            var got = after.section(named: name)!
            if name == "balanced" {
                // the one allowed edit: our member appended to the default rule's policy
                got.options = got.options.map { o in
                    var o = o
                    if o.name == "use_member" { o.value = .list(o.value.items.filter { !$0.hasPrefix("wu_") }) }
                    return o
                }
            }
            #expect(got == s, "user section \(name) changed")
        }
        // interface positions (mwan3 table ids) of the user's interfaces are unchanged
        let ifs = { (p: UCIPackage) in p.sections.filter { $0.type == "interface" }.compactMap(\.name) }
        #expect(Array(ifs(after).prefix(ifs(before).count)) == ifs(before))
    }

    @Test func pendingUciChangesRefuseTheWrite() throws {
        let f = try FixtureRoot()
        try Files.makeDirectories(f.root + "/tmp/.uci")
        try Files.writeAtomically(f.root + "/tmp/.uci/mwan3", Array("mwan3.wan.enabled='0'\n".utf8))
        let before = f.snapshot()
        #expect(throws: UplinkError.self) { _ = try f.service.add(Sample.request("nodeA")) }
        do { _ = try f.service.add(Sample.request("nodeA")) } catch {
            #expect(error.code == .pendingChanges)
            #expect(error.message.contains("uci commit mwan3"))
        }
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
    }

    @Test func malformedSharedFileIsRefusedWithItsLine() throws {
        let f = try FixtureRoot()
        try Files.writeAtomically(f.config("mwan3"), f.bytes("mwan3")! + Array("\nconfig rule 'broken\n".utf8))
        let before = f.snapshot()
        do {
            _ = try f.service.add(Sample.request("nodeA"))
            Issue.record("a broken mwan3 was accepted")
        } catch {
            #expect(error.code == .parseError)
            #expect(error.message.contains("unterminated"))
            #expect(error.message.contains("line"))
        }
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
    }

    @Test func badSettingNamesOptionAndValue() throws {
        let f = try FixtureRoot()
        let text = f.text("wireguard-uplink").replacing("option check_interval '30'", with: "option check_interval 'soon'")
        try Files.writeAtomically(f.config("wireguard-uplink"), Array(text.utf8))
        do {
            _ = try f.service.apply()
            Issue.record("bad setting accepted")
        } catch {
            #expect(error.code == .configError)
            #expect(error.message.contains("check_interval"))
            #expect(error.message.contains("'soon'"))
        }
    }

    @Test func missingOurConfigTakesDefaults() throws {
        let f = try FixtureRoot(withSettings: false)
        let (u, _) = try f.service.add(Sample.request("nodeA"))
        let ours = try f.package("wireguard-uplink")
        #expect(ours.section(named: u.interface)?["peer_id"] == "nodeA")
        #expect(Files.mode(f.config("wireguard-uplink")) == 0o600, "it holds private keys")
        _ = try f.service.remove(u.peer)
        for p in ["network", "mwan3", "firewall"] { #expect(f.bytes(p) == f.original(p)) }
    }

    @Test func disablingRemovesGeneratedSectionsButKeepsUplinks() throws {
        let f = try FixtureRoot()
        _ = try f.service.add(Sample.request("nodeA"))
        let text = f.text("wireguard-uplink").replacing("option enabled '1'", with: "option enabled '0'")
        try Files.writeAtomically(f.config("wireguard-uplink"), Array(text.utf8))
        _ = try f.service.apply()
        for p in ["network", "mwan3", "firewall"] { #expect(f.bytes(p) == f.original(p)) }
        #expect(try f.package("wireguard-uplink").sections(ofType: "uplink").count == 1)
    }

    @Test func failoverDisableTakesOnlyOurMemberOutOfThePolicy() throws {
        let f = try FixtureRoot()
        let (u, _) = try f.service.add(Sample.request("nodeA"))
        _ = try f.service.setFailover(false)
        let m = try f.package("mwan3")
        #expect(m.section(named: "balanced")!.list("use_member") == ["wan_m1_w3", "wanb_m1_w3", "wan6_m1_w3", "wanb6_m1_w3"])
        #expect(m.section(named: InterfaceNaming.memberName(interface: u.interface)) != nil)
        _ = try f.service.setFailover(true)
        #expect(try f.package("mwan3").section(named: "balanced")!.list("use_member").last == InterfaceNaming.memberName(interface: u.interface))
    }
}

@Suite struct PreferLatencyTests {
    @Test func measuredOrderSetsTheMemberMetrics() throws {
        let f = try FixtureRoot()
        let (a, _) = try f.service.add(Sample.request("pa", port: 51900, address: "10.200.1.2/32", priority: 50))
        let (b, _) = try f.service.add(Sample.request("pb", port: 51901, address: "10.200.2.2/32", priority: 50))
        let metric = { (iface: String) throws -> Int in
            Int(try f.package("mwan3").section(named: InterfaceNaming.memberName(interface: iface))!["metric"]!)!
        }
        #expect(try metric(a.interface) == metric(b.interface), "equal priority shares load")
        var (state, _) = RuntimeStateStore(paths: f.paths).load()
        state.latencyOrder = ["pb", "pa"]
        try RuntimeStateStore(paths: f.paths).replace(state)
        let o = try f.service.apply()
        #expect(o.written == ["mwan3"])
        #expect(try metric(b.interface) < metric(a.interface), "the faster uplink first")
        #expect(try f.service.apply().written.isEmpty, "stable")
    }
}
