import Testing
import UCI
import UplinkApp
import UplinkCore
import UplinkSystem

/// Offering on an OpenWrt router: the server's netifd and fw4 sections are ours; withdrawing
/// takes every one of them back. No network traffic: only files under a fixture root.
@Suite struct OfferTests {
    @Test func offerWritesServerSectionsAndWithdrawRestoresBytes() throws {
        let f = try FixtureRoot()
        let (o, outcome) = try f.service.offer(UplinkService.OfferRequest(bandwidthMbps: 100, wanType: "fiber"))
        #expect(o.enabled && o.privateKey != nil)
        #expect(outcome.written.contains("network") && outcome.written.contains("firewall"))
        let net = try f.package("network")
        let srv = net.section(named: OfferConfig.serverDevice)!
        #expect(srv["proto"] == "wireguard" && srv["listen_port"] == "51900")
        let fw = try f.package("firewall")
        #expect(fw.sections.contains { $0["name"] == Planner.serverZone })
        #expect(fw.sections.contains { $0.type == "forwarding" && $0["src"] == Planner.serverZone && $0["dest"] == "wan" })
        let status = try f.service.status()
        #expect(status["offer"]?["offering"] == .bool(true))
        #expect(status["offer"]?["public_key"]?.stringValue == (try Keys.publicKey(for: o.privateKey!)).base64)
        _ = try f.service.withdraw()
        for p in ["network", "firewall", "mwan3"] { #expect(f.bytes(p) == f.original(p), "\(p) not restored") }
        // offering again keeps the same server key (consumers need not re-learn it)
        let (again, _) = try f.service.offer(UplinkService.OfferRequest())
        #expect(again.privateKey == o.privateKey)
        #expect(again.bandwidthMbps == 100)
    }

    @Test func rpcdOfferAndWithdraw() throws {
        let f = try FixtureRoot()
        let on = try JSON.parse(RPCD.call("uplink_offer", input: Array(#"{"bandwidth":50,"wan_type":"lte","metered":true}"#.utf8), service: f.service))
        #expect(on["success"] == .bool(true))
        #expect(on["metered"] == .bool(true))
        let bad = try JSON.parse(RPCD.call("uplink_offer", input: Array(#"{"bandwidth":"fast"}"#.utf8), service: f.service))
        #expect(bad["code"]?.stringValue == "invalid_argument")
        let off = try JSON.parse(RPCD.call("uplink_withdraw", input: Array("{}".utf8), service: f.service))
        #expect(off["offering"] == .bool(false))
        for p in ["network", "firewall"] { #expect(f.bytes(p) == f.original(p)) }
    }

    @Test func noFlagsAndNoOfferIsAClearError() throws {
        let f = try FixtureRoot()
        do {
            _ = try f.service.addFromOffer(try PeerID(validating: "nodeZ"), priority: nil, weight: nil)
            Issue.record("added without an offer")
        } catch {
            #expect(error.code == .noOffer)
        }
    }

    @Test func untrustedOfferIsRefused() throws {
        let f = try FixtureRoot()
        var state = RuntimeState()
        var o = Offer(peer: try PeerID(validating: "nodeU"), seq: 1, timestamp: Clock.now(), ttl: 60, endpoint: Endpoint(host: "169.254.42.2", port: 51900),
                      publicKey: Sample.providerKey, received: Clock.now(), expires: Clock.now() + 60, via: "wg_mesh", trusted: false)
        o.meshKey = Sample.otherKey.base64
        state.offers["nodeU"] = o
        try RuntimeStateStore(paths: f.paths).replace(state)
        let before = f.snapshot()
        do {
            _ = try f.service.addFromOffer(try PeerID(validating: "nodeU"), priority: nil, weight: nil)
            Issue.record("untrusted offer used")
        } catch {
            #expect(error.code == .untrusted)
            #expect(error.message.contains("trust"))
        }
        // the issue-2 path (address given, endpoint and key from the offer) refuses it too
        var req = AddRequest(peer: try PeerID(validating: "nodeU"))
        req.addresses = [IPPrefix("10.200.9.2/32")!]
        #expect(throws: UplinkError.self) { _ = try f.service.add(req) }
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
    }
}
