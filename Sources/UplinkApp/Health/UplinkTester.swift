import UplinkCore
import UplinkSystem

/// `wgctl uplink test PEER_ID` / rpcd `uplink_test`: the layered check, each layer with its
/// own budget inside an overall 15 s deadline, so the dashboard (20 s) never times out.
extension UplinkService {
    public static let testBudget = 14.5

    public func test(_ peer: PeerID) throws(UplinkError) -> JSONValue {
        let snap = try snapshot()
        guard let u = snap.configuration.uplink(for: peer) else { throw UplinkError(.notFound, "peer \(peer) is not an uplink") }
        let settings = snap.configuration.settings
        let backend = try BackendKind.choose(settings, mwan3Present: snap.tx.exists("mwan3"))
        let wanDevices = Set(pathSpecs(snap.configuration, backend: backend).filter { $0.kind == .wan }.map(\.device))
        snap.tx.finish()
        let start = Clock.monotonic()
        let deadline = start + Self.testBudget
        func left(_ budget: Double) -> Double { max(0.05, min(budget, deadline - Clock.monotonic())) }
        let dev = u.device
        let kernel = LinuxKernel()
        var results: [LayerResult] = []

        // 1. underlay: the endpoint's route avoids the WAN and the tunnels, and it answers
        let ep = u.endpoint.address ?? Resolver.resolve(u.endpoint.host)
        var underlayPending: (String, String, IPAddress)? = nil
        if let ep {
            // a link-local endpoint lies on the link its scope names
            let scope = u.endpoint.zone.map { ["oif", $0] } ?? []
            let route = try? Command.run("ip", LinuxKernel.ipArgs(ep.isV4 ? .ipv4 : .ipv6, ["-j", "route", "get", ep.description] + scope + ["mark", String(LinuxPlan.fwmark)]), timeout: left(2))
            let r = route.flatMap { $0.ok ? (try? RouteInfo.parse($0.output))?.first : nil }
            if let r, let rdev = r.device, !rdev.hasPrefix(LinuxPlan.devicePrefix), !wanDevices.contains(rdev) {
                let ping = try? Ping.run(targets: [ep], device: rdev, count: 2, interval: 0.2, timeout: left(1))
                let via = "endpoint \(ep) via \(rdev)\(r.gateway.map { " gateway \($0)" } ?? "")"
                if let rtt = ping?.averageRtt {
                    results.append(LayerResult(layer: "underlay", status: .pass, measured: fmt(rtt), detail: via))
                } else {
                    // no ICMP answer: the tunnel layer decides (a provider may drop pings)
                    underlayPending = (via, rdev, ep)
                }
            } else if let r, let rdev = r.device {
                let why = rdev.hasPrefix(LinuxPlan.devicePrefix) ? "through another uplink (\(rdev)): the tunnel would route into itself"
                    : "via the WAN (\(rdev)), not the mesh: when the WAN dies this uplink dies with it"
                results.append(LayerResult(layer: "underlay", status: .fail, measured: "route via \(rdev)",
                    detail: "endpoint \(ep) is reached \(why)",
                    hint: "no route to the endpoint over the mesh: check the mesh link and its address, or add a route to \(ep) over it",
                    command: "ip route get \(ep) mark \(LinuxPlan.fwmark)"))
            } else {
                results.append(LayerResult(layer: "underlay", status: .fail, measured: "no route",
                    detail: "no route to endpoint \(ep): \(route?.errorText ?? "ip route get failed")",
                    hint: "no route to the endpoint: the mesh link is down or has no address in the endpoint's network",
                    command: "ip route get \(ep)"))
            }
        } else {
            results.append(LayerResult(layer: "underlay", status: .fail, measured: "unresolved",
                detail: "endpoint host \(u.endpoint.host) does not resolve", hint: "fix the endpoint host name",
                command: "nslookup \(u.endpoint.host)"))
        }

        let targets = settings.trackTargets(.ipv4)
        let carriesIPv6 = settings.ipv6 && u.addresses.contains { !$0.address.isV4 }
        var tunnelAnswered = false
        var learned: FirstHop.Answer? = nil
        var providerRtt: Double? = nil
        func done() -> JSONValue {
            LayeredTest.report(peer: peer, interface: dev, layers: LayeredTest.finish(results, ipv6: carriesIPv6),
                               durationMs: Int((Clock.monotonic() - start) * 1000))
        }
        // a failed layer ends the test: the layers above it cannot pass
        if results.contains(where: { $0.status == .fail }) { return done() }
        // 2. tunnel: a recent handshake and received bytes growing
        if !LinkMonitor.exists(dev) {
            results.append(LayerResult(layer: "tunnel", status: .fail, measured: "no device",
                detail: "interface \(dev) does not exist",
                hint: backend == .linux ? "the daemon creates uplink devices: is it running? (wgctl uplink status)" : "netifd has not brought it up",
                command: backend == .linux ? "wgctl uplink status" : "ifup \(dev); logread -e \(dev)"))
        } else {
            // send traffic through the tunnel (it makes WireGuard handshake if it has not) and
            // look for the provider's own answer: its tunnel address when known, else the first
            // hop of a TTL-1 probe, which the provider answers whatever its WAN does. Bytes
            // coming back under a fresh handshake count too. Never the internet's answer alone.
            let rx0 = kernel.dump(dev)?.peers.first { $0.publicKey == u.publicKey.base64 }?.rxBytes ?? 0
            let beyond = targets.first ?? IPAddress("192.0.2.1")!
            var peer: WireGuardDump.Peer? = nil
            var answer: String? = nil
            var rxBack = false
            let until = Clock.monotonic() + left(6)
            repeat {
                if let gw = u.providerAddress {
                    if let rtt = (try? Ping.run(targets: [gw], device: dev, count: 1, timeout: 0.3))?.averageRtt {
                        answer = "provider \(gw) answered in \(fmt(rtt))"
                        providerRtt = rtt
                    }
                } else if let hop = try? FirstHop.probe(through: dev, toward: beyond, timeout: 0.3) {
                    learned = hop
                    answer = "the tunnel's first hop \(hop.address) answered (\(hop.what) in \(fmt(hop.rttMs)))"
                }
                peer = kernel.dump(dev)?.peers.first { $0.publicKey == u.publicKey.base64 }
                rxBack = (peer?.rxBytes ?? 0) > rx0 && (peer?.handshakeAge(now: Clock.now()) ?? 999) <= 180
                if answer != nil || rxBack { break }
                Clock.sleep(0.2)
            } while Clock.monotonic() < until
            let age = peer?.handshakeAge(now: Clock.now())
            let key = u.ownPublicKey?.base64 ?? "?"
            let counters = "rx \(peer?.rxBytes ?? 0) B, tx \(peer?.txBytes ?? 0) B"
            tunnelAnswered = answer != nil || rxBack
            if tunnelAnswered {
                let evidence = answer ?? "received \((peer?.rxBytes ?? 0) - rx0) B in answer to our probes"
                results.append(LayerResult(layer: "tunnel", status: .pass, measured: age.map { "handshake \($0) s ago" } ?? "answered",
                    detail: "\(evidence) (\(counters))"))
            } else if let age, age <= 180 {
                results.append(LayerResult(layer: "tunnel", status: .fail, measured: "handshake \(age) s ago, nothing back",
                    detail: "packets go into the tunnel but nothing came back for \(Int(left(6).rounded())) s: neither the provider (\(u.providerAddress.map { "\($0)" } ?? "its first hop")) nor anything beyond it answered (\(counters))",
                    hint: "the last handshake is older than this test and nothing answers since: the provider dropped or replaced this uplink's key \(key) after it, or its firewall drops everything from this uplink; authorise the key again",
                    command: "wg show \(dev); on the provider: wg show | grep -A3 \(key.prefix(12))"))
            } else {
                results.append(LayerResult(layer: "tunnel", status: .fail, measured: age.map { "handshake \($0) s ago" } ?? "no handshake",
                    detail: "sent \(peer?.txBytes ?? 0) B, received \(peer?.rxBytes ?? 0) B",
                    hint: "no handshake: the provider has not authorised this uplink's key \(key) (or has another key for it), its firewall drops UDP \(u.endpoint.port), or the endpoint route is wrong",
                    command: "wg show \(dev)"))
            }
        }

        if let (via, rdev, ep) = underlayPending {
            if tunnelAnswered {
                results.insert(LayerResult(layer: "underlay", status: .pass, measured: "no ICMP reply; tunnel answers",
                                           detail: via + " (the endpoint drops pings)"), at: 0)
            } else {
                results.insert(LayerResult(layer: "underlay", status: .fail, measured: "no reply",
                    detail: via + " answers neither ping nor WireGuard",
                    hint: "the mesh link to the provider is down, this router has no address on it, or the endpoint address is wrong",
                    command: "ip address show dev \(rdev); ping -I \(rdev) \(ep)"), at: 0)
            }
        }

        if results.contains(where: { $0.status == .fail }) { return done() }

        // 3. provider: its tunnel address answers through the tunnel (configured as option
        // gateway, or learnt from the tunnel's first hop, which already answered)
        if let gw = u.providerAddress {
            let p = providerRtt == nil ? try? Ping.run(targets: [gw], device: dev, count: 2, interval: 0.2, timeout: left(1)) : nil
            if let rtt = providerRtt ?? p?.averageRtt {
                results.append(LayerResult(layer: "provider", status: .pass, measured: fmt(rtt), detail: "provider \(gw) answers"))
            } else {
                results.append(LayerResult(layer: "provider", status: .fail, measured: "no reply",
                    detail: "provider tunnel address \(gw) (option gateway) does not answer, though the tunnel carries traffic",
                    hint: "the tunnel is up but the provider does not answer at \(gw): option gateway is not its tunnel address, or its firewall drops input from this uplink",
                    command: "ping -I \(dev) \(gw)"))
            }
        } else if let hop = learned {
            let p = try? Ping.run(targets: [hop.address], device: dev, count: 2, interval: 0.2, timeout: left(1))
            if let rtt = p?.averageRtt {
                results.append(LayerResult(layer: "provider", status: .pass, measured: fmt(rtt),
                    detail: "provider \(hop.address) answers (its address learnt from the tunnel's first hop; set it with option gateway)"))
            } else {
                results.append(LayerResult(layer: "provider", status: .pass, measured: fmt(hop.rttMs),
                    detail: "provider \(hop.address) answers as the tunnel's first hop (\(hop.what)) but not to ping"))
            }
        } else {
            results.append(LayerResult(layer: "provider", status: .skip,
                detail: "the provider's tunnel address is unknown and its first hop did not answer; the tunnel answered with traffic (set option gateway to test it)"))
        }

        if results.contains(where: { $0.status == .fail }) { return done() }

        // 4b. the IPv6 internet, on its own (a provider may carry IPv4 and not IPv6)
        if carriesIPv6 {
            results.append(internetIPv6(dev: dev, settings: settings, budget: left(1.5)))
        }

        // 4. internet: k-of-n public targets and an HTTP probe through the tunnel, then MTU
        let reliability = min(settings.trackReliability, max(1, targets.count))
        let p = try? Ping.run(targets: targets, device: dev, count: 2, interval: 0.2, timeout: left(1))
        if let p, p.answered >= reliability {
            var measured = p.averageRtt.map { fmt($0) } ?? "-"
            var detail = "\(p.answered)/\(targets.count) targets answered, \(Int(p.lossPct))% loss"
            var status = LayerResult.Status.pass
            var hint: String? = nil, command: String? = nil
            let host = HTTPProbe.host(settings.probeURL)
            var pinned: IPAddress? = nil
            if let h = host, IPAddress(h) == nil, let server = IPAddress(settings.dnsServer) {
                pinned = (try? DNSProbe.resolve(h, server: server, device: dev, timeout: left(1.5)))?.addresses.first
            }
            if host.flatMap({ IPAddress($0) }) != nil || pinned != nil {
                let r = HTTPProbe.get(url: settings.probeURL, device: dev, resolved: pinned, timeout: left(2.5))
                if r.status == settings.probeStatus {
                    detail += ", HTTP \(settings.probeStatus) in \(fmt(r.totalMs ?? 0))"
                } else {
                    status = .fail
                    measured = r.status.map { "HTTP \($0)" } ?? "HTTP failed"
                    detail += ", \(settings.probeURL): \(r.error ?? "status \(r.status ?? 0), expected \(settings.probeStatus)")"
                    hint = "ping works but HTTP does not: a captive portal or a filtering provider"
                    command = "curl --interface \(dev) -v \(settings.probeURL)"
                }
            }
            if status == .pass, let t = targets.first {
                let mtu = u.mtu ?? settings.mtu
                let big = try? Ping.run(targets: [t], device: dev, count: 2, interval: 0.1, timeout: left(1), payloadSize: mtu - 28, dontFragment: true)
                if (big?.received ?? 0) == 0 {
                    status = .fail
                    measured = "\(mtu)-byte packets lost"
                    detail += "; small packets pass but \(mtu)-byte packets do not"
                    hint = "large packets stall: the path MTU is below \(mtu); lower option mtu (1280 is safe inside another tunnel)"
                    command = "ping -I \(dev) -M do -s \(mtu - 28) \(t)"
                } else {
                    detail += "; \(mtu)-byte packets pass"
                }
            }
            results.append(LayerResult(layer: "internet", status: status, measured: measured, detail: detail, hint: hint, command: command))
        } else {
            results.append(LayerResult(layer: "internet", status: .fail, measured: "\(p?.answered ?? 0)/\(targets.count) answered",
                detail: "fewer than \(reliability) of \(targets.map(\.description).joined(separator: ", ")) answered through the tunnel",
                hint: "handshake but no internet: the provider's WAN is down, or it does not forward and NAT this uplink",
                command: "on the provider: wgctl uplink status; nft list ruleset | grep masquerade"))
        }

        if results.contains(where: { $0.status == .fail }) { return done() }

        // 5. DNS through the uplink
        if let server = IPAddress(settings.dnsServer) {
            do {
                let a = try DNSProbe.resolve(settings.probeDNSName, server: server, device: dev, timeout: left(2))
                if a.rcode == 0 && !a.addresses.isEmpty {
                    results.append(LayerResult(layer: "dns", status: .pass, measured: fmt(a.rttMs),
                        detail: "\(settings.probeDNSName) → \(a.addresses[0]) via \(server)"))
                } else {
                    results.append(LayerResult(layer: "dns", status: .fail, measured: "rcode \(a.rcode)",
                        detail: "\(server) answered without an address for \(settings.probeDNSName)",
                        hint: "the resolver answers but cannot resolve: upstream DNS trouble", command: "nslookup \(settings.probeDNSName) \(server)"))
                }
            } catch {
                results.append(LayerResult(layer: "dns", status: .fail, measured: "no answer", detail: error.message,
                    hint: "DNS through the uplink fails: the provider blocks port 53 or \(server) is unreachable from it",
                    command: "nslookup \(settings.probeDNSName) \(server)"))
            }
        }
        return done()
    }
}

extension UplinkService {
    /// k-of-n IPv6 track targets answering through the tunnel.
    func internetIPv6(dev: String, settings: Settings, budget: Double) -> LayerResult {
        let targets = settings.trackTargets(.ipv6)
        guard !targets.isEmpty else {
            return LayerResult(layer: LayeredTest.ipv6Layer, status: .skip, detail: "no IPv6 address in option track_ip")
        }
        let reliability = min(settings.trackReliability, targets.count)
        let p = try? Ping.run(targets: targets, device: dev, count: 2, interval: 0.2, timeout: budget)
        let answered = p?.answered ?? 0
        if let p, answered >= reliability {
            return LayerResult(layer: LayeredTest.ipv6Layer, status: .pass, measured: p.averageRtt.map { fmt($0) } ?? "-",
                               detail: "\(answered)/\(targets.count) IPv6 targets answered, \(Int(p.lossPct))% loss")
        }
        return LayerResult(layer: LayeredTest.ipv6Layer, status: .fail, measured: "\(answered)/\(targets.count) answered",
            detail: "fewer than \(reliability) of \(targets.map(\.description).joined(separator: ", ")) answered through the tunnel over IPv6",
            hint: "IPv6 does not get through: the provider has no working IPv6 on its WAN, or does not forward and NAT this uplink's IPv6; its IPv4 may still work",
            command: "ping -6 -I \(dev) \(targets[0])")
    }
}

func fmt(_ ms: Double) -> String {
    ms < 10 ? "\((ms * 10).rounded() / 10) ms" : "\(Int(ms.rounded())) ms"
}
