import Testing
import UplinkCore

/// The default node id is unique out of the box: two stock routers (both "OpenWrt") never
/// share one, so neither is refused as a conflict and their address pools differ.
@Suite struct NodeIdentityTests {
    static func router(_ mac: String) -> [NodeIdentity.Interface] {
        [.init(name: "lo", mac: "00:00:00:00:00:00", permanent: true),
         .init(name: "br-lan", mac: "02:11:22:33:44:55", permanent: false),
         .init(name: "eth0", mac: mac, permanent: true),
         .init(name: "eth1", mac: "94:83:c4:00:00:02", permanent: true)]
    }

    @Test func twoStockRoutersGetDifferentIdsAndPools() throws {
        let a = NodeIdentity.choose(secubox: nil, hostName: "OpenWrt", interfaces: { Self.router("94:83:C4:12:34:56") })
        let b = NodeIdentity.choose(secubox: nil, hostName: "OpenWrt", interfaces: { Self.router("94:83:c4:ab:cd:ef") })
        #expect(a == "OpenWrt-9483c4123456" && b == "OpenWrt-9483c4abcdef")
        #expect(OfferConfig.defaultPool(nodeID: a) != OfferConfig.defaultPool(nodeID: b))
        _ = try PeerID(validating: a)
    }

    @Test func aNameTheAdministratorChoseIsKept() {
        var asked = false
        #expect(NodeIdentity.choose(secubox: nil, hostName: "office-gw", interfaces: { asked = true; return [] }) == "office-gw")
        #expect(!asked, "no need to read the interfaces")
    }

    @Test func secuboxsNodeIdWinsWhenValid() {
        #expect(NodeIdentity.choose(secubox: "sb-5f3a9c", hostName: "OpenWrt", interfaces: { [] }) == "sb-5f3a9c")
        #expect(NodeIdentity.choose(secubox: "bad id with spaces", hostName: "office-gw", interfaces: { [] }) == "office-gw")
    }

    @Test func runTimeAddressesOnlyWhenNoPermanentOneAndNeverGarbage() {
        let veths: [NodeIdentity.Interface] = [.init(name: "wan", mac: "e6:1f:00:aa:bb:cc", permanent: false),
                                              .init(name: "ul-a", mac: "a2:00:00:00:00:01", permanent: false)]
        #expect(NodeIdentity.choose(secubox: nil, hostName: "openwrt", interfaces: { veths }) == "openwrt-a20000000001")
        let junk: [NodeIdentity.Interface] = [.init(name: "eth0", mac: "00:00:00:00:00:00", permanent: true),
                                             .init(name: "eth1", mac: "zz:00:00:00:00:01", permanent: true)]
        #expect(NodeIdentity.choose(secubox: nil, hostName: "OpenWrt", interfaces: { junk }) == "OpenWrt")
        #expect(NodeIdentity.choose(secubox: nil, hostName: nil, interfaces: { [] }) == "openwrt")
    }
}
