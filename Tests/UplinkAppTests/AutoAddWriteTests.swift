import Testing
import UCI
@testable import UplinkApp
import UplinkCore
import UplinkSystem

/// The writes behind auto_add, checked again under the writers' lock (the daemon decided
/// seconds earlier), and the provider's side: one grant per consumer.
@Suite struct AutoAddWriteTests {
    @Test func anAutomaticAddIsRefusedOnceAutoAddIsOffOrThePeerSkipped() throws {
        let f = try FixtureRoot()
        var auto = Sample.request("nodeB", address: "10.200.2.2/32")
        auto.automatic = true
        let before = f.snapshot()
        #expect { _ = try f.service.add(auto) } throws: { ($0 as? UplinkError)?.message.contains("auto_add is off now") == true }
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
        try AutoAddStatusTests.turnOn(f)
        _ = try f.service.add(auto)
        _ = try f.service.remove(auto.peer)   // by hand: on auto_add_skip
        #expect(try f.package("wireguard-uplink").section(named: "uplink")?.list("auto_add_skip") == ["nodeB"])
        #expect(throws: UplinkError.self) { try f.service.add(auto) }
        // the administrator adds it by hand: off the skip list again
        _ = try f.service.add(Sample.request("nodeB", address: "10.200.2.2/32"))
        #expect(try f.package("wireguard-uplink").section(named: "uplink")?.list("auto_add_skip").isEmpty == true)
    }

    @Test func theDaemonNeverRemovesAManualUplink() throws {
        let f = try FixtureRoot()
        _ = try f.service.add(Sample.request("nodeA"))
        #expect { _ = try f.service.remove(try PeerID(validating: "nodeA"), byHand: false) } throws: {
            ($0 as? UplinkError)?.message.contains("is no automatic uplink") == true
        }
        #expect(try f.service.configurationNow().uplinks.count == 1)
    }

    /// A consumer that removed its uplink while it could not reach us asks again with a new
    /// key: the old grant is replaced (same address), so stale keys never fill the pool.
    @Test func aConsumersNewKeyReplacesItsOldGrant() throws {
        let f = try FixtureRoot()
        _ = try f.service.offer(UplinkService.OfferRequest())
        let c = try PeerID(validating: "nodeC")
        let mesh = Sample.providerKey
        let k1 = try WireGuardKey(base64: "Wo7y4IL5Uczx5GUiyHDshPVzlpbPSqdZPfpfelUqd2M=")
        let k2 = try WireGuardKey(base64: "EZYGHc48PmAqTc4bZtAX5lSofI0it4se0Gyhm0jPFBE=")
        let (g1, r1) = try f.service.grant(consumer: c, key: k1, meshKey: mesh)
        #expect(r1 == nil)
        let (again, r) = try f.service.grant(consumer: c, key: k1, meshKey: mesh)
        #expect(again == g1 && r == nil)
        let (g2, replaced) = try f.service.grant(consumer: c, key: k2, meshKey: mesh)
        #expect(replaced == k1 && g2.address == g1.address && g2.publicKey == k2)
        #expect(try f.service.configurationNow().grants.map(\.publicKey) == [k2])
        // another mesh peer under the same id (a second "OpenWrt") gets a grant of its own
        let (g3, none) = try f.service.grant(consumer: c, key: k1, meshKey: Sample.otherKey)
        #expect(none == nil && g3.address != g2.address)
    }
}
