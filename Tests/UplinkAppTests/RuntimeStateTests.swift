import Testing
import UplinkApp
import UplinkCore
import UplinkSystem

/// A missing or corrupt runtime state is reported and rebuilt, never a crash.
@Suite struct RuntimeStateTests {
    @Test(arguments: ["", "{", "[]", "null", "{\"schema\":\"other\",\"version\":99}", "\u{0}\u{1}garbage",
                      "{\"paths\":{\"x\":{\"kind\":\"martian\"}},\"offers\":{\"y\":{\"peer_id\":\"bad id\"}}}"])
    func corruptStateIsReportedThenRebuilt(content: String) throws {
        let f = try FixtureRoot()
        _ = try f.service.add(Sample.request("nodeA"))
        try Files.writeAtomically(f.paths.runtimeState, Array(content.utf8))
        let list = try f.service.list()
        #expect(list["state_file"]?["status"]?.stringValue == "rebuilt")
        #expect(list["uplinks"]?.arrayValue?.count == 1, "config still listed")
        let o = try f.service.apply()
        #expect(o.stateFile != .ok)
        let (state, condition) = RuntimeStateStore(paths: f.paths).load()
        #expect(condition == .ok)
        #expect(state.paths["uplink:nodeA"]?.device?.hasPrefix("wu_") == true)
    }

    @Test func missingStateIsFine() throws {
        let f = try FixtureRoot()
        let s = try f.service.status()
        #expect(s["state_file"]?["status"]?.stringValue == "missing")
    }

    @Test func roundTripsThroughJSON() throws {
        var s = RuntimeState()
        s.updated = 1_700_000_000.5
        s.activePath = "uplink:nodeA"
        s.failoverActive = true
        var h = PathHealth(kind: .uplink, name: "nodeA", device: "wu_nodea_eynh")
        h.state = .degraded
        h.latencyMs = 23.5
        h.lossPct = 10
        h.since = 1_700_000_000
        s.paths[h.key] = h
        s.offers["nodeB"] = Offer(peer: try PeerID(validating: "nodeB"), seq: 7, timestamp: 1, ttl: 60, bandwidthMbps: 100,
                                  latencyMs: 20, wanType: "fiber", available: true, metered: false,
                                  endpoint: Endpoint(host: "169.254.1.2", port: 51900), publicKey: Sample.providerKey,
                                  received: 2, expires: 62, via: "wg_mesh", source: "10.254.7.2", trusted: true)
        s.counters["gossip_rejected_replay"] = 3
        let text = JSON.serialize(s.json, pretty: true)
        let (back, problems) = RuntimeState.decode(try JSON.parse(text))
        #expect(problems.isEmpty)
        #expect(back == s)
    }
}
