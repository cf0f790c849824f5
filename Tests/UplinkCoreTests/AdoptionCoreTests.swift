import Testing
import UCI
@testable import UplinkCore

/// Adoption's pure side: reading an administrator's interface as netifd does, finding its
/// provider peer, taking in interfaces marked by hand, and what the planners make of them.
@Suite struct AdoptionCoreTests {
    static let key1 = "Wo7y4IL5Uczx5GUiyHDshPVzlpbPSqdZPfpfelUqd2M="
    static let key2 = "EZYGHc48PmAqTc4bZtAX5lSofI0it4se0Gyhm0jPFBE="

    static let network = """
    config interface 'wan'
    \toption device 'eth1'
    \toption proto 'dhcp'
    \toption metric '10'
    config interface 'friend'
    \toption proto 'wireguard'
    \toption private_key 'QMzbLUjncSkhJkpSXXnC0DhR61HMHS+nPw+R+gxxaEY='
    \toption addresses '10.9.0.2/32 fd00:9::2/128'
    \toption metric '40'
    \toption secubox_uplink '1'
    \toption secubox_peer_id 'friend-router'
    config wireguard_friend
    \toption public_key '\(key1)'
    \toption endpoint_host '192.168.77.2'
    \toption allowed_ips '10.9.0.1/32 0.0.0.0/0'
    \toption route_allowed_ips '1'
    config wireguard_friend 'spare'
    \toption public_key '\(key2)'
    \tlist allowed_ips '0.0.0.0/0'
    \toption disabled '1'
    config interface 'other'
    \toption proto 'wireguard'
    \toption secubox_uplink 'yes'
    config interface 'bad_id'
    \toption proto 'wireguard'
    \toption secubox_uplink '1'
    \toption secubox_peer_id 'has space'
    """

    func package(_ text: String = network) throws -> UCIPackage { try UCIDocument(text: text).package }

    @Test func readsTheInterfaceAsNetifdDoes() throws {
        let v = try #require(WireGuardInterfaceView(network: try package(), interface: "friend"))
        #expect(v.marked && v.markedPeerID == "friend-router" && v.metric == 40)
        #expect(v.addresses.map(\.description) == ["10.9.0.2/32", "fd00:9::2/128"])
        // the disabled peer is not there; a space-separated option is a list; port 51820 by default
        #expect(v.peers.count == 1)
        #expect(v.peers[0].allowedIPs == ["10.9.0.1/32", "0.0.0.0/0"] && v.peers[0].ownsIPv4Default)
        #expect(v.peers[0].endpoint?.description == "192.168.77.2:51820")
        #expect(WireGuardInterfaceView(network: try package(), interface: "nosuch") == nil)
        let owner = try Adoption.provider(of: v, mwan3: true)
        #expect(owner.publicKey?.base64 == Self.key1)
    }

    @Test func routeAllowedIPsIsNeededOnlyWhereMwan3Routes() throws {
        let text = Self.network.replacing("\toption route_allowed_ips '1'\n", with: "")
        let v = try #require(WireGuardInterfaceView(network: try package(text), interface: "friend"))
        #expect(throws: UplinkError.self) { try Adoption.provider(of: v, mwan3: true) }
        // the Linux backend routes through the device itself (its own table)
        #expect(try Adoption.provider(of: v, mwan3: false).endpoint != nil)
    }

    @Test func kernelDeviceOfAPlainLinuxRouter() throws {
        let dump = try WireGuardDump(parsing: """
        (hidden)\t\(Self.key2)\t0\toff
        \(Self.key1)\t(none)\t192.168.77.2:51821\t0.0.0.0/0,::/0\t0\t0\t0\t25
        """)
        let v = WireGuardInterfaceView(device: "wg-home", dump: dump, addresses: [IPPrefix("10.9.0.2/32")!])
        let owner = try Adoption.provider(of: v, mwan3: false)
        #expect(owner.endpoint?.description == "192.168.77.2:51821")
        // a kernel device name is not held to mwan3's or netifd's rules; our own names are refused
        #expect(throws: UplinkError.self) {
            try Adoption.provider(of: WireGuardInterfaceView(device: "wu_x", dump: dump, addresses: []), mwan3: false)
        }
    }

    @Test func marksByHandAreTakenInOnce() throws {
        var cfg = UplinkConfiguration(settings: Settings(), uplinks: [])
        let r = Adoption.resolve(&cfg, network: try package(), mwan3: UCIPackage(), kernel: { _ in nil })
        #expect(r.discovered.map(\.interface) == ["friend", "other"])
        #expect(r.warnings.count == 1 && r.warnings[0].contains("\"has space\" is not a valid peer id"))
        let friend = try #require(cfg.uplink(for: try PeerID(validating: "friend-router")))
        #expect(friend.adopted && !friend.recorded && friend.problem == nil && friend.slot == 1)
        #expect(friend.endpoint.host == "192.168.77.2" && friend.publicKey.base64 == Self.key1)
        // 'other' has no peer: listed with its problem, not planned
        let other = try #require(cfg.uplink(for: try PeerID(validating: "other")))
        #expect(other.slot == 2 && other.problem?.contains("it has no peer") == true && !other.usable)
        // the same peer id marked twice: the second is refused
        let twice = Self.network + "\nconfig interface 'again'\n\toption proto 'wireguard'\n\toption secubox_uplink '1'\n\toption secubox_peer_id 'friend-router'\n"
        var cfg2 = UplinkConfiguration(settings: Settings(), uplinks: [])
        let r2 = Adoption.resolve(&cfg2, network: try package(twice), mwan3: UCIPackage(), kernel: { _ in nil })
        #expect(r2.warnings.contains { $0.contains("interface 'again' is marked as an uplink to friend-router, which is already uplink 'friend'") })
    }

    @Test func recordedAdoptionsFollowTheirInterface() throws {
        var u = UplinkConfig(peer: try PeerID(validating: "friend-router"), interface: "friend", endpoint: Endpoint(host: "", port: 0),
                             publicKey: UplinkConfig.unknownKey, privateKey: UplinkConfig.unknownKey, addresses: [], slot: 3)
        u.adopted = true
        var gone = u
        gone.interface = "vanished"
        var cfg = UplinkConfiguration(settings: Settings(), uplinks: [u, gone])
        let r = Adoption.resolve(&cfg, network: try package(), mwan3: UCIPackage(), kernel: { _ in nil })
        #expect(cfg.uplinks.count == 3)   // friend, vanished (with its problem), other (discovered)
        #expect(cfg.uplinks[0].problem == nil && cfg.uplinks[0].slot == 3)
        #expect(cfg.uplinks[1].problem?.contains("does not exist") == true)
        #expect(r.unmarked.isEmpty)
        // the marker taken off by hand: the record goes
        let unmarked = Self.network.replacing("\toption secubox_uplink '1'\n\toption secubox_peer_id 'friend-router'\n", with: "")
        var cfg2 = UplinkConfiguration(settings: Settings(), uplinks: [u])
        let r2 = Adoption.resolve(&cfg2, network: try package(unmarked), mwan3: UCIPackage(), kernel: { _ in nil })
        #expect(r2.unmarked.map(\.interface) == ["friend"] && !cfg2.uplinks.contains { $0.interface == "friend" })
    }

    @Test func plannersUseOnlyWhatIsOurs() throws {
        var settings = Settings()
        settings.ipv6 = true
        var cfg = UplinkConfiguration(settings: settings, uplinks: [])
        let network = try package()
        _ = Adoption.resolve(&cfg, network: network, mwan3: UCIPackage(), kernel: { _ in nil })
        let mwan3 = try UCIDocument(text: PlannerIPv6Tests.mwan3).package
        let firewall = try UCIDocument(text: "config zone\n\toption name 'vpn'\n\tlist network 'friend'\n\toption masq '1'\n").package
        let plan = try Planner.plan(PlanInput(configuration: cfg, network: network, mwan3: mwan3, firewall: firewall))
        // no netifd section of ours, only the markers; no IPv6 side; the user's zone keeps it
        #expect(plan.network.sections.isEmpty)
        #expect(plan.network.markers == [InterfaceMarker(interface: "friend", peer: "friend-router"), InterfaceMarker(interface: "other", peer: "other")])
        #expect(plan.uplinks.map(\.interface) == ["friend"] && plan.uplinks[0].ipv6Interface == nil)
        #expect(plan.mwan3?.sections.compactMap(\.section.name) == ["friend", "friend_m", "friend_e"])
        #expect(plan.firewall?.sections.isEmpty == true)
        #expect(plan.warnings.contains { $0.hasPrefix("uplink 'other' is not used: interface 'other' cannot be an uplink: it has no peer") })
        // Linux backend: routed and masqueraded, never created or configured
        let linux = LinuxPlan(configuration: cfg)
        #expect(linux.links.map(\.device) == ["friend"] && linux.links[0].adopted && !linux.links[0].carriesIPv6)
        #expect(linux.links[0].tunnelRoutes.map(\.description) == ["10.9.0.1/32"])
        #expect(linux.nftRuleset.contains("\t\toifname \"friend\" ip daddr != { 10.9.0.1/32 } masquerade\n"))
    }
}
