#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkCore
import UplinkSystem

/// The Linux backend's nft table for a provider with a per-consumer cap and IPv6: nft itself
/// accepts it (checked, not loaded, in a network namespace made for the test), and each
/// consumer has one cap per direction shared by both families.
@Suite struct ServerRulesetTests {
    static func provider() throws -> UplinkConfiguration {
        let key = try WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
        var s = Settings()
        s.ipv6 = true
        s.nodeID = "A"
        var o = OfferConfig(nodeID: "A")
        o.enabled = true
        o.privateKey = key
        o.rateLimitMbit = 8
        guard case .v4(let net) = o.pool.address else { throw UplinkError(.internalError, "pool") }
        let grants = try (2...3).map { GrantConfig(consumer: try PeerID(validating: "C\($0)"), publicKey: key, meshKey: key, address: .v4(net + UInt32($0))) }
        return UplinkConfiguration(settings: s, uplinks: [], offer: o, grants: grants)
    }

    @Test func aCappedDualStackServerTableIsValidNftAndSharesEachCap() throws {
        let plan = LinuxPlan(configuration: try Self.provider())
        let rules = plan.nftRuleset
        #expect(rules.contains("limit consumer0_up { rate over 1000 kbytes/second }") && rules.contains("limit consumer1_down"))
        let lines = rules.split(separator: "\n")
        #expect(lines.filter { $0.hasSuffix("limit name \"consumer0_up\" drop") }.count == 2, "one IPv4 and one IPv6 rule share the cap")
        #expect(lines.filter { $0.hasSuffix("kbytes/second drop") }.isEmpty, "no per-rule bucket: a family would double the cap")
        let ns = "wgu-nftcheck-\(getpid())"
        #expect(try Command.run("ip", ["netns", "add", ns]).ok, "needs root to make a network namespace")
        defer { _ = try? Command.run("ip", ["netns", "del", ns]) }
        let r = try Command.run("ip", ["netns", "exec", ns, "nft", "-c", "-f", "-"], stdin: Array(rules.utf8))
        #expect(r.ok, "nft refuses the table: \(r.errorText)")
    }
}
