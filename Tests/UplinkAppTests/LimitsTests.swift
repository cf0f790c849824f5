import Testing
import UCI
import UplinkApp
import UplinkCore
import UplinkSystem

/// Everything that comes from outside has a size bound with a clear error or a counter.
@Suite struct LimitsTests {
    @Test func oversizedConfigIsRefused() throws {
        let f = try FixtureRoot()
        let huge = f.bytes("network")! + Array(repeating: UInt8(ascii: "#"), count: 5 << 20)
        try Files.writeAtomically(f.config("network"), huge)
        do {
            _ = try f.service.list()
            Issue.record("a 5 MiB network file was read")
        } catch {
            #expect(error.message.contains("larger than"))
        }
    }

    @Test func oversizedStateIsRebuilt() throws {
        let f = try FixtureRoot()
        try Files.writeAtomically(f.paths.runtimeState, Array(repeating: UInt8(ascii: " "), count: 2 << 20))
        let l = try f.service.list()
        #expect(l["state_file"]?["status"]?.stringValue == "rebuilt")
        #expect(l["state_file"]?["reason"]?.stringValue?.contains("larger than") == true)
    }

    @Test func offersAndPeersAreCapped() throws {
        var pairs: [(String, JSONValue)] = []
        var s = RuntimeState()
        let o = Offer(peer: try PeerID(validating: "p"), seq: 1, timestamp: 1, ttl: 60, endpoint: Endpoint(host: "10.0.0.1", port: 1),
                      publicKey: Sample.providerKey, received: 1, expires: 2)
        for i in 0..<1000 { pairs.append(("p\(i)", RuntimeState.encode(o))) }
        s.updated = 1
        var j = JSONObject()
        j.set("schema", RuntimeState.schema)
        j.set("version", RuntimeState.version)
        j.set("offers", .object(pairs))
        #expect(RuntimeState.decode(j.value).state.offers.count == RuntimeState.maximumOffers)
        var dump = "k\tpub\t51820\toff\n"
        for _ in 0..<5000 { dump += "\(Sample.providerKey.base64)\t(none)\t(none)\t10.0.0.1/32\t0\t0\t0\toff\n" }
        #expect(try WireGuardDump(parsing: dump).peers.count == WireGuardDump.maximumPeers)
    }

    @Test func datagramsAndArgumentsAreBounded() {
        #expect(throws: GossipMessage.DecodeError.oversize) { _ = try GossipMessage.decode([UInt8](repeating: 0x20, count: 1201)) }
        #expect(throws: UplinkError.self) { _ = try RPCArguments([UInt8](repeating: 0x20, count: 70_000), limit: 64 * 1024) }
        #expect(throws: JSONParseError.self) { _ = try JSON.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
    }
}
