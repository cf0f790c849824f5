#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkApp
import UplinkCore
import UplinkSystem

/// `status` → `auto_add` and each uplink's `automatic`, from the configuration and the
/// daemon's record in the runtime state (what the CLI, rpcd and the dashboard show).
@Suite struct AutoAddStatusTests {
    static func turnOn(_ f: FixtureRoot) throws {
        let text = f.text("wireguard-uplink").replacingFirst("\toption min_uplinks '2'\n", with: "\toption min_uplinks '2'\n\toption auto_add '1'\n")
        try Files.writeAtomically(f.config("wireguard-uplink"), Array(text.utf8))
    }

    static func state(daemon: Int32?, now: Double) throws -> RuntimeState {
        var s = RuntimeState()
        s.daemonPID = daemon.map(Int.init)
        var a = PathHealth(kind: .uplink, name: "nodeA")
        a.state = .up
        var b = PathHealth(kind: .uplink, name: "nodeB")
        b.state = .down
        s.paths = [a.key: a, b.key: b]
        s.offers["nodeD"] = Offer(peer: try PeerID(validating: "nodeD"), seq: 1, timestamp: now, ttl: 60, bandwidthMbps: 20,
                                  endpoint: Endpoint(host: "169.254.9.2", port: 51900), publicKey: Sample.otherKey,
                                  received: now, expires: now + 600, via: "wg_mesh", trusted: true)
        s.autoAdd.lastAdd = now - 10
        s.autoAdd.record(.init(time: now - 100, kind: .add, peer: "nodeX", reason: "older", ok: false, error: "timed out"))
        s.autoAdd.record(.init(time: now - 10, kind: .add, peer: "nodeB", reason: "1 of min_uplinks 2 healthy", ok: true))
        return s
    }

    @Test func statusShowsTheDaemonsAutomaticUplinksAndWhyItWaits() throws {
        let f = try FixtureRoot()
        _ = try f.service.add(Sample.request("nodeA"))
        try Self.turnOn(f)
        var auto = Sample.request("nodeB", address: "10.200.2.2/32")
        auto.automatic = true
        _ = try f.service.add(auto)
        let now = Clock.now()
        try RuntimeStateStore(paths: f.paths).replace(try Self.state(daemon: getpid(), now: now))

        let s = try f.service.status()
        let a = try #require(s["auto_add"])
        #expect(a["enabled"]?.boolValue == true)
        #expect(a["min_uplinks"]?.intValue == 2)
        #expect(a["healthy_uplinks"]?.intValue == 1, "nodeB is down: only nodeA counts")
        #expect(a["candidate"]?.stringValue == "nodeD")
        let wait = try #require(a["next_add_in_s"]?.intValue)
        #expect((49...50).contains(wait), "the last add was 10 s ago: \(wait)")
        #expect(a["waiting"]?.stringValue == "1 of min_uplinks 2 healthy; next add (nodeD) when the rate limit allows (one add per 60 s)")
        #expect(a["automatic"]?.arrayValue?.compactMap(\.stringValue) == ["nodeB"])
        #expect(a["actions"]?.arrayValue?.compactMap { $0["peer_id"]?.stringValue } == ["nodeB", "nodeX"], "newest first")
        #expect(a["actions"]?.arrayValue?.last?["error"]?.stringValue == "timed out")
        let flags = (s["uplinks"]?.arrayValue ?? []).map { ($0["peer_id"]?.stringValue ?? "", $0["automatic"]?.boolValue) }
        #expect(flags.map(\.0) == ["nodeA", "nodeB"])
        #expect(flags.map(\.1) == [false, true])
        let warnings = (s["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(warnings.contains { $0.hasSuffix("fewer than min_uplinks (2): auto_add: next add (nodeD) when the rate limit allows (one add per 60 s)") },
                "\(warnings)")
        // uplink_list carries the flag too (the dashboard reads either)
        #expect(try f.service.list()["uplinks"]?.arrayValue?.map { $0["automatic"]?.boolValue } == [false, true])

        // removed by hand: on the skip list, and the offer of a skipped peer is not a candidate
        _ = try f.service.remove(try PeerID(validating: "nodeB"))
        var st = try Self.state(daemon: getpid(), now: now)
        st.autoAdd.lastAdd = nil
        st.offers["nodeB"] = st.offers["nodeD"].map { o in var o = o; o.peer = try! PeerID(validating: "nodeB"); return o }
        st.offers["nodeD"] = nil
        try RuntimeStateStore(paths: f.paths).replace(st)
        let after = try #require(try f.service.status()["auto_add"])
        #expect(after["skip"]?.arrayValue?.compactMap(\.stringValue) == ["nodeB"])
        #expect(after["candidate"] == .null)
        #expect(after["waiting"]?.stringValue == "1 of min_uplinks 2 healthy; no trusted offer left to add (nodeB was removed by hand: on auto_add_skip)")
    }

    @Test func offByDefaultAndNothingWithoutTheDaemon() throws {
        let f = try FixtureRoot()
        let off = try #require(try f.service.status()["auto_add"])
        #expect(off["enabled"]?.boolValue == false)
        #expect(off["waiting"]?.stringValue == "auto_add is off")
        try Self.turnOn(f)
        try RuntimeStateStore(paths: f.paths).replace(try Self.state(daemon: nil, now: Clock.now()))
        let waiting = try f.service.status()["auto_add"]?["waiting"]?.stringValue ?? ""
        #expect(waiting.hasPrefix("the daemon is not running, so nothing is added or removed"), "\(waiting)")
    }
}

extension String {
    func replacingFirst(_ what: String, with: String) -> String {
        guard let r = firstRange(of: what) else { return self }
        return String(self[..<r.lowerBound]) + with + String(self[r.upperBound...])
    }
}
