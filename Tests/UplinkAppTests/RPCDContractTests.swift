import Testing
import UCI
import UplinkApp
import UplinkCore
import UplinkSystem

/// Every rpcd call prints exactly one JSON object, whatever arrives on stdin.
@Suite struct RPCDContractTests {
    func call(_ f: FixtureRoot, _ method: String, _ input: String) throws -> JSONValue {
        let out = RPCD.call(method, input: Array(input.utf8), service: f.service)
        #expect(!out.contains("\n"), "one line")
        let v = try JSON.parse(out)
        guard case .object = v else { Issue.record("not an object: \(out)"); return v }
        return v
    }

    @Test func listIsStaticAndNeedsNoFiles() throws {
        let v = try JSON.parse(RPCD.list())
        let names = v.objectPairs!.map(\.0)
        #expect(names.contains("uplink_list") && names.contains("uplink_add") && names.contains("uplink_failover"))
        #expect(v["uplink_add"]?["peer_id"] == .string("str"))
        #expect(v["uplink_set_priority"]?["weight"] == .int(32))
        // through the binary, with a root that does not exist
        let r = try Wgctl.run(["--root", "/nonexistent/root", "rpcd", "list"])
        #expect(r.status == 0)
        #expect(try JSON.parse(r.output) == v)
    }

    @Test func everyMethodWithGoodArguments() throws {
        let f = try FixtureRoot()
        let add = try call(f, "uplink_add", #"{"peer_id":"nodeA","endpoint":"169.254.42.2:51900","public_key":"\#(Sample.providerKey.base64)","address":"10.200.1.2/32","priority":70,"weight":2,"ubus_rpc_session":"0123456789abcdef"}"#)
        #expect(add["success"] == .bool(true))
        #expect(add["interface"]?.stringValue?.hasPrefix("wu_") == true)
        let list = try call(f, "uplink_list", "{}")
        #expect(list["uplinks"]?.arrayValue?.first?["peer_id"] == .string("nodeA"))
        #expect(list["uplinks"]?.arrayValue?.first?["weight"] == .int(2))
        let status = try call(f, "uplink_status", "")
        #expect(status["success"] == .bool(true))
        #expect(status["uplinks"]?.arrayValue?.count == 1)
        let prio = try call(f, "uplink_set_priority", #"{"peer_id":"nodeA","weight":90}"#)
        #expect(prio["priority"] == .int(90))
        let off = try call(f, "uplink_failover", #"{"enabled":false}"#)
        #expect(off["auto_failover"] == .bool(false))
        let apply = try call(f, "uplink_apply", "{}")
        #expect(apply["changed"] == .array([]))
        let rm = try call(f, "uplink_remove", #"{"peer_id":"nodeA"}"#)
        #expect(rm["success"] == .bool(true))
        #expect(!JSON.serialize(list).contains("private"), "no private key in any output")
    }

    @Test(arguments: [
        ("uplink_frob", "{}", "unknown_method"),
        ("", "{}", "unknown_method"),
        ("uplink_add", "not json", "invalid_json"),
        ("uplink_add", "[1,2]", "invalid_json"),
        ("uplink_add", "\"peer\"", "invalid_json"),
        ("uplink_add", "{\"peer_id\":", "invalid_json"),
        ("uplink_add", "{}", "invalid_argument"),
        ("uplink_add", "{\"peer_id\":42}", "invalid_argument"),
        ("uplink_add", "{\"peer_id\":\"x y\"}", "invalid_peer_id"),
        ("uplink_add", "{\"peer_id\":\"n\",\"endpoint\":\"nowhere\"}", "invalid_argument"),
        ("uplink_add", "{\"peer_id\":\"n\",\"endpoint\":\"1.2.3.4:99999\"}", "invalid_argument"),
        ("uplink_add", "{\"peer_id\":\"n\",\"public_key\":\"short\"}", "invalid_argument"),
        ("uplink_add", "{\"peer_id\":\"n\",\"priority\":\"high\"}", "invalid_argument"),
        ("uplink_add", "{\"peer_id\":\"n\",\"priority\":1.5}", "invalid_argument"),
        ("uplink_add", "{\"peer_id\":\"n\"}", "no_offer"),
        ("uplink_remove", "{\"peer_id\":\"ghost\"}", "not_found"),
        ("uplink_remove", "{\"peer_id\":null}", "invalid_argument"),
        ("uplink_set_priority", "{\"peer_id\":\"ghost\"}", "invalid_argument"),
        ("uplink_set_priority", "{\"peer_id\":\"ghost\",\"weight\":500}", "invalid_argument"),
        ("uplink_set_priority", "{\"peer_id\":\"ghost\",\"weight\":10}", "not_found"),
        ("uplink_failover", "{}", "invalid_argument"),
        ("uplink_failover", "{\"enabled\":\"yes\"}", "invalid_argument"),
        ("uplink_failover", "{\"enabled\":{\"deep\":[[[[[[[[[[[[1]]]]]]]]]]]]}}", "invalid_json"),
    ])
    func badInputGivesOneErrorObject(method: String, input: String, code: String) throws {
        let f = try FixtureRoot()
        let before = f.snapshot()
        let v = try call(f, method, input)
        #expect(v["success"] == .bool(false))
        #expect(v["code"]?.stringValue == code, "\(method) \(input): \(JSON.serialize(v))")
        #expect((v["error"]?.stringValue ?? "").isEmpty == false)
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
    }

    @Test func oversizedAndBinaryInput() throws {
        let f = try FixtureRoot()
        var big = Array(#"{"peer_id":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 100_000) + Array(#""}"#.utf8)
        var v = try JSON.parse(RPCD.call("uplink_add", input: big, service: f.service))
        #expect(v["code"]?.stringValue == "invalid_json")
        big = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        v = try JSON.parse(RPCD.call("uplink_list", input: big, service: f.service))
        #expect(v["success"] == .bool(false))
    }

    @Test func brokenConfigIsAnErrorObjectNotACrash() throws {
        let f = try FixtureRoot()
        try Files.writeAtomically(f.config("network"), Array("config interface 'lan'\n\tbogus line here\n".utf8))
        let v = try call(f, "uplink_status", "{}")
        #expect(v["success"] == .bool(false))
        #expect(v["code"]?.stringValue == "parse_error")
    }
}
