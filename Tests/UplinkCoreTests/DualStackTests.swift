import Testing
import UplinkCore

/// The per-family model: path keys, track targets per family, link-local endpoints with a
/// scope, the IPv6 internet layer of `test`, and selection per family with IPv6 withdrawn
/// when no path carries it.
@Suite struct DualStackTests {
    @Test func anIPv6PathKeepsItsIPv4KeyWithASuffix() {
        #expect(AddressFamily.ipv4.key(kind: .uplink, name: "sb-a:1") == "uplink:sb-a:1")
        #expect(AddressFamily.ipv6.key(kind: .wan, name: "wan") == "wan:wan/ipv6")
        #expect(AddressFamily.of(key: "uplink:sb-a:1/ipv6") == .ipv6 && AddressFamily.of(key: "uplink:sb-a:1") == .ipv4)
        #expect(PathHealth(kind: .uplink, name: "p", family: .ipv6).key == "uplink:p/ipv6")
        #expect(throws: UplinkError.self) { try PeerID(validating: "p/ipv6") }
    }

    @Test func eachFamilyIsProbedWithItsOwnTargets() {
        var s = Settings()
        s.trackIPs = ["2001:db8:19::2", "198.19.0.2", "198.19.0.3", "2001:db8:19::3"]
        #expect(s.trackTargets(.ipv4).map(\.description) == ["198.19.0.2", "198.19.0.3"])
        #expect(s.trackTargets(.ipv6).map(\.description) == ["2001:db8:19::2", "2001:db8:19::3"])
        #expect(Settings().trackTargets(.ipv6).count == 2, "the defaults track IPv6 too")
        #expect(Settings().trackTargets(.ipv4).map(\.description) == ["1.1.1.1", "9.9.9.9", "8.8.8.8", "208.67.222.222"])
    }

    @Test func aLinkLocalEndpointKeepsItsScope() throws {
        let e = try Endpoint(parsing: "[fe80::1c2:3ff:fe04:506%mesh0]:51820")
        #expect(e.host == "fe80::1c2:3ff:fe04:506%mesh0" && e.port == 51820)
        #expect(e.address == IPAddress("fe80::1c2:3ff:fe04:506") && e.zone == "mesh0")
        #expect(e.description == "[fe80::1c2:3ff:fe04:506%mesh0]:51820", "as wg set endpoint takes it")
        #expect(try Endpoint(parsing: "[2001:db8::1]:51820").zone == nil)
    }

    @Test func aScopeIsRefusedWhereItMeansNothing() {
        // a global address, an IPv4 address, a scope that is no device name, an empty scope
        for bad in ["[2001:db8::1%mesh0]:51820", "10.0.0.1%mesh0:51820", "[fe80::1%mesh/0]:51820", "[fe80::1%]:51820",
                    "[fe80::1%averyveryverylongname]:51820"] {
            #expect(throws: UplinkError.self, "\(bad)") { try Endpoint(parsing: bad) }
        }
    }

    @Test func theIPv6InternetIsReportedOnItsOwn() {
        let below = [LayerResult(layer: "underlay", status: .pass), LayerResult(layer: "tunnel", status: .pass),
                     LayerResult(layer: "provider", status: .pass)]
        // IPv4 internet fails, IPv6 works: the IPv6 layer still says so
        let v4dead = LayeredTest.finish(below + [LayerResult(layer: "internet", status: .fail),
                                                 LayerResult(layer: LayeredTest.ipv6Layer, status: .pass)], ipv6: true)
        #expect(v4dead.map(\.status) == [.pass, .pass, .pass, .fail, .skip, .pass])
        // IPv6 fails alone: IPv4 and DNS pass, the test fails naming the IPv6 layer
        let v6dead = LayeredTest.finish(below + [LayerResult(layer: "internet", status: .pass), LayerResult(layer: "dns", status: .pass),
                                                 LayerResult(layer: LayeredTest.ipv6Layer, status: .fail)], ipv6: true)
        #expect(v6dead.map(\.status) == [.pass, .pass, .pass, .pass, .pass, .fail])
        // a dead tunnel skips both families' internet
        let tunnelDead = LayeredTest.finish([LayerResult(layer: "underlay", status: .pass), LayerResult(layer: "tunnel", status: .fail)], ipv6: true)
        #expect(tunnelDead.map(\.layer) == ["underlay", "tunnel", "provider", "internet", "dns", LayeredTest.ipv6Layer])
        #expect(tunnelDead.suffix(4).allSatisfy { $0.status == .skip })
        // without IPv6 the layer is not listed at all
        #expect(LayeredTest.finish(below).map(\.layer) == ["underlay", "tunnel", "provider", "internet", "dns"])
    }

    static func path(_ key: String, _ state: HealthState, kind: PathHealth.Kind) -> PathCandidate {
        var h = PathHealth(kind: kind, name: key, family: .ipv6)
        h.state = state
        return PathCandidate(key: key, health: h, priority: 50)
    }

    @Test func noIPv6PathMeansUnreachableNotABlackHole() {
        let s = Settings()
        let wan = Self.path("wan:wan/ipv6", .down, kind: .wan)
        let a = Self.path("uplink:a/ipv6", .down, kind: .uplink)
        let b = Self.path("uplink:b/ipv6", .up, kind: .uplink)
        #expect(PathSelector.choose(family: .ipv6, current: "wan:wan/ipv6", wans: [wan], uplinks: [a, b], settings: s, canWithdraw: true) == "uplink:b/ipv6")
        var deadB = b
        deadB.health.state = .down
        #expect(PathSelector.choose(family: .ipv6, current: "uplink:b/ipv6", wans: [wan], uplinks: [a, deadB], settings: s, canWithdraw: true) == PathSelector.unreachable)
        // mwan3 withdraws with its policy's last_resort, IPv4 never: both stay on the WAN
        #expect(PathSelector.choose(family: .ipv6, current: nil, wans: [wan], uplinks: [a, deadB], settings: s, canWithdraw: false) == "wan:wan/ipv6")
        #expect(PathSelector.choose(family: .ipv4, current: nil, wans: [wan], uplinks: [a, deadB], settings: s, canWithdraw: true) == "wan:wan/ipv6")
        // a path that comes back ends the withdrawal; unknown (just started) is not dead
        #expect(PathSelector.choose(family: .ipv6, current: PathSelector.unreachable, wans: [Self.path("wan:wan/ipv6", .unknown, kind: .wan)],
                                    uplinks: [a], settings: s, canWithdraw: true) == "wan:wan/ipv6")
        #expect(PathSelector.choose(family: .ipv6, current: nil, wans: [], uplinks: [], settings: s, canWithdraw: true) == nil)
    }
}
