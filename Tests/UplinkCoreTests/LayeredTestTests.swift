import Testing
import UplinkCore

/// `wgctl uplink test`'s verdict: layers bottom up, the first failure blamed, the layers above
/// it skipped, and a layer skipped for want of a figure no failure.
@Suite struct LayeredTestTests {
    static let peer = try! PeerID(validating: "sb-provider")

    static func pass(_ layer: String) -> LayerResult { LayerResult(layer: layer, status: .pass, measured: "12 ms") }

    static func statuses(_ layers: [LayerResult]) -> [String] { layers.map { "\($0.layer):\($0.status.rawValue)" } }

    static func report(_ results: [LayerResult]) -> JSONValue {
        LayeredTest.report(peer: peer, interface: "wgup_provider", layers: LayeredTest.finish(results), durationMs: 1234)
    }

    @Test func layersAreTestedBottomUp() {
        #expect(LayeredTest.layers == ["underlay", "tunnel", "provider", "internet", "dns"])
    }

    /// The provider answers through the tunnel but its WAN is dead: the internet layer is
    /// blamed, not the tunnel, and DNS (which needs the internet) is not tested.
    @Test func aDeadInternetBehindALiveTunnelBlamesTheInternetLayer() {
        let results = [Self.pass("underlay"), Self.pass("tunnel"), Self.pass("provider"),
                       LayerResult(layer: "internet", status: .fail, measured: "0/4 answered",
                                   hint: "handshake but no internet: the provider's WAN is down, or it does not forward and NAT this uplink")]
        let out = LayeredTest.finish(results)
        #expect(Self.statuses(out) == ["underlay:pass", "tunnel:pass", "provider:pass", "internet:fail", "dns:skip"])
        #expect(out[4].detail == "not tested: internet failed")
        let json = Self.report(results)
        #expect(json["passed"]?.boolValue == false)
        #expect(json["failed_layer"]?.stringValue == "internet")
        #expect(json["layers"]?.arrayValue?[1]["status"]?.stringValue == "pass", "the tunnel is not blamed")
        #expect(json["layers"]?.arrayValue?[3]["hint"]?.stringValue?.contains("provider's WAN") == true)
    }

    @Test func theInternetIsBlamedEvenWhenTheProviderAddressIsUnknown() {
        let results = [Self.pass("underlay"), Self.pass("tunnel"),
                       LayerResult(layer: "provider", status: .skip, detail: "the provider's tunnel address is unknown"),
                       LayerResult(layer: "internet", status: .fail)]
        #expect(Self.statuses(LayeredTest.finish(results)) == ["underlay:pass", "tunnel:pass", "provider:skip", "internet:fail", "dns:skip"])
        #expect(Self.report(results)["failed_layer"]?.stringValue == "internet")
    }

    @Test func theFirstFailureSkipsEveryLayerAboveItWhateverThoseMeasured() {
        let results = [Self.pass("underlay"), LayerResult(layer: "tunnel", status: .fail, measured: "no handshake"),
                       Self.pass("provider"), Self.pass("internet"), LayerResult(layer: "dns", status: .fail)]
        let out = LayeredTest.finish(results)
        #expect(Self.statuses(out) == ["underlay:pass", "tunnel:fail", "provider:skip", "internet:skip", "dns:skip"])
        #expect(out[2...].allSatisfy { $0.detail == "not tested: tunnel failed" && $0.measured == nil })
        #expect(Self.report(results)["failed_layer"]?.stringValue == "tunnel")
    }

    @Test func anUnderlayFailureSkipsEverythingElse() {
        let results = [LayerResult(layer: "underlay", status: .fail, measured: "no route")]
        let out = LayeredTest.finish(results)
        #expect(Self.statuses(out) == ["underlay:fail", "tunnel:skip", "provider:skip", "internet:skip", "dns:skip"])
        #expect(out.dropFirst().allSatisfy { $0.detail == "not tested: underlay failed" })
        #expect(Self.report(results)["failed_layer"]?.stringValue == "underlay")
    }

    /// The tester inserts the underlay's result after the tunnel answered (an endpoint that
    /// drops pings); the report still lists the layers in order.
    @Test func resultsAreReportedInLayerOrderWhateverOrderTheyCameIn() {
        let results = [Self.pass("dns"), Self.pass("tunnel"), Self.pass("internet"), Self.pass("underlay"), Self.pass("provider")]
        #expect(LayeredTest.finish(results).map(\.layer) == LayeredTest.layers)
        #expect(Self.report(results)["passed"]?.boolValue == true)
    }

    /// A layer skipped for want of a figure (no provider address, no DNS server) is no failure,
    /// and the layers above it are still judged on their own results.
    @Test func aSkippedLayerIsNoFailureAndSkipsNothingAboveIt() {
        let results = [Self.pass("underlay"), Self.pass("tunnel"),
                       LayerResult(layer: "provider", status: .skip, detail: "unknown address"), Self.pass("internet")]
        let out = LayeredTest.finish(results)
        #expect(Self.statuses(out) == ["underlay:pass", "tunnel:pass", "provider:skip", "internet:pass", "dns:skip"])
        #expect(out[2].detail == "unknown address")
        #expect(out[4].detail == "not measured")
        let json = Self.report(results)
        #expect(json["passed"]?.boolValue == true)
        #expect(json["failed_layer"] == .null)
    }

    @Test func theReportNamesThePeerAndEveryLayersFigures() {
        let results = [LayerResult(layer: "underlay", status: .fail, measured: "route via eth0", detail: "via the WAN",
                                   hint: "no route over the mesh", command: "ip route get 192.0.2.1")]
        let json = Self.report(results)
        #expect(json["success"]?.boolValue == true, "the test ran; `passed` says how it went")
        #expect(json["peer_id"]?.stringValue == "sb-provider")
        #expect(json["interface"]?.stringValue == "wgup_provider")
        #expect(json["duration_ms"]?.intValue == 1234)
        let layers = json["layers"]?.arrayValue ?? []
        #expect(layers.count == 5)
        #expect(layers[0]["layer"]?.stringValue == "underlay" && layers[0]["status"]?.stringValue == "fail")
        #expect(layers[0]["measured"]?.stringValue == "route via eth0" && layers[0]["command"]?.stringValue == "ip route get 192.0.2.1")
        #expect(layers[1]["status"]?.stringValue == "skip" && layers[1]["hint"] == .null && layers[1]["measured"] == .null)
    }
}
