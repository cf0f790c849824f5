import Testing
@testable import UplinkCore

/// The Linux backend reads `ip -j rule show` (iproute2 6.x output, as captured on Debian 12):
/// it knows its own two rules, refuses a foreign rule at their priorities, and notes a
/// wg-quick full tunnel instead of silently overriding it.
@Suite struct PolicyRulesTests {
    static let base = #"{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}"#
    static let ours = #"{"priority":22000,"src":"all","table":"main","suppress_prefixlen":0},{"priority":22001,"not":null,"src":"all","fwmark":"0x57550000","table":"22357"}"#
    /// what `wg-quick up wg0` adds for AllowedIPs = 0.0.0.0/0
    static let wgQuick = #"{"priority":32764,"src":"all","table":"main","suppress_prefixlen":0},{"priority":32765,"not":null,"src":"all","fwmark":"0xca6c","table":"51820"}"#

    func rules(_ items: String...) throws -> PolicyRules {
        PolicyRules(parsing: try JSON.parse("[" + items.joined(separator: ",") + "]"))
    }

    @Test func oursAreRecognised() throws {
        let r = try rules(Self.base, Self.ours)
        #expect(r.complete && r.foreign.isEmpty && r.conflict == nil && r.fullTunnels.isEmpty)
        #expect(try rules(Self.base).ours.isEmpty)
    }

    @Test func aForeignRuleAtOurPriorityIsAConflictInWords() throws {
        let r = try rules(Self.base, #"{"priority":22001,"src":"192.168.1.0/24","table":"100"}"#)
        #expect(!r.complete && r.ours.isEmpty)
        #expect(r.foreign == [PolicyRules.Rule(priority: 22001, text: "from 192.168.1.0/24 lookup 100")])
        let words = try #require(r.conflict)
        #expect(words.contains("22001: from 192.168.1.0/24 lookup 100") && words.contains("cannot be enforced"))
        // the same priority with another mark or table is not ours either
        let other = try rules(#"{"priority":22001,"not":null,"src":"all","fwmark":"0xca6c","table":"22357"}"#,
                              #"{"priority":22000,"src":"all","table":"main","suppress_prefixlen":32}"#)
        #expect(other.ours.isEmpty && other.foreign.count == 2)
    }

    @Test func aWgQuickFullTunnelIsSeen() throws {
        let r = try rules(Self.base, Self.wgQuick, Self.ours)
        #expect(r.complete)
        #expect(r.fullTunnels == [PolicyRules.Rule(priority: 32765, text: "not from all fwmark 0xca6c lookup 51820")])
        #expect(try rules(Self.base, #"{"priority":100,"src":"all","fwmark":"0x1","table":"100"}"#).fullTunnels.isEmpty,
                "a plain fwmark rule is not a full tunnel")
    }

    @Test func divertingOnlyWhenTheMainTableWouldGoElsewhere() {
        #expect(PolicyRules.mustDivert(uplink: true, device: "wu_nodea_eynh", mainDefault: "eth1"))
        #expect(!PolicyRules.mustDivert(uplink: false, device: "eth1", mainDefault: "eth1"))
        #expect(PolicyRules.mustDivert(uplink: false, device: "eth2", mainDefault: "eth1"), "second WAN while the first is dead")
        #expect(PolicyRules.mustDivert(uplink: false, device: "eth1", mainDefault: nil))
    }
}
