#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UCI
import UplinkApp
import UplinkCore
import UplinkSystem

/// The `wgctl` binary as a user runs it: exit codes, hostile input, concurrent writers.
@Suite(.serialized) struct CLITests {
    static let hostileIDs = [
        "", " ", "a b", "a'b", "a\"b", "a\nb", "a\tb", "$(reboot)", "`id`", "a;b", "../../etc/passwd", "a/b",
        "a\\b", "peer$HOME", String(repeating: "x", count: 65), "pé", "a\u{0}b", "*", "a|b", "a&b", "-x", "--root",
    ]

    @Test func hostilePeerIDsTouchNoFile() throws {
        let f = try FixtureRoot()
        let before = f.snapshot()
        for id in Self.hostileIDs where !id.contains("\u{0}") {
            for args in [["uplink", "add", id, "--endpoint", "169.254.42.2:51900", "--public-key", Sample.providerKey.base64, "--address", "10.200.1.2/32"],
                         ["uplink", "remove", id], ["uplink", "priority", id, "10"]] {
                let r = try Wgctl.run(["--root", f.root] + args)
                #expect(r.status == 2, "\(args) exited \(r.status): \(r.errorText)")
                #expect(!r.errorText.isEmpty)
            }
            let rpc = try Wgctl.run(["--root", f.root, "rpcd", "call", "uplink_remove"], stdin: JSON.serialize(.object([("peer_id", .string(id))])))
            let v = try JSON.parse(rpc.output)
            #expect(v["success"] == .bool(false))
            // "-x" and "--root" are valid ids (only argv parsing stops them): nothing to remove
            let expected = id.hasPrefix("-") ? "not_found" : "invalid_peer_id"
            #expect(v["code"]?.stringValue == expected, "\(id): \(rpc.output)")
        }
        // a NUL cannot pass through argv; through JSON it must be refused too
        let nul = try Wgctl.run(["--root", f.root, "rpcd", "call", "uplink_add"], stdin: #"{"peer_id":"a\u0000b"}"#)
        #expect(try JSON.parse(nul.output)["code"]?.stringValue == "invalid_peer_id")
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
        #expect(!Files.exists(f.root + "/var/run/wireguard-uplinks.json"), "not even the runtime state")
    }

    @Test func exitCodesAndStreams() throws {
        let f = try FixtureRoot()
        let ok = try Wgctl.run(["--root", f.root, "uplink", "list"])
        #expect(ok.status == 0)
        #expect(ok.output.contains("No uplinks configured"))
        let missing = try Wgctl.run(["--root", f.root, "uplink", "remove", "nodeZ"])
        #expect(missing.status == 1)
        #expect(missing.output.isEmpty)
        #expect(missing.errorText.contains("not an uplink"))
        let usage = try Wgctl.run(["--root", f.root, "uplink", "frobnicate"])
        #expect(usage.status == 2)
        let jsonErr = try Wgctl.run(["--root", f.root, "uplink", "remove", "nodeZ", "--json"])
        #expect(jsonErr.status == 1)
        #expect(try JSON.parse(jsonErr.output)["code"]?.stringValue == "not_found")
        let help = try Wgctl.run(["uplink", "add", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("higher is preferred"))
    }

    @Test func addPrintsTheKeyToAuthoriseAndListShowsIt() throws {
        let f = try FixtureRoot()
        let add = try Wgctl.run(["--root", f.root, "uplink", "add", "sb-aa:bb:cc:dd:ee:ff", "--endpoint", "169.254.42.2:51900",
                                 "--public-key", Sample.providerKey.base64, "--address", "10.200.1.2/32", "--priority", "70", "--json"])
        #expect(add.status == 0, "\(add.errorText)")
        let v = try JSON.parse(add.output)
        let key = try WireGuardKey(base64: v["public_key"]!.stringValue!)
        let cfg = try UplinkConfiguration(package: try f.package("wireguard-uplink"))
        #expect(try Keys.publicKey(for: cfg.uplinks[0].privateKey) == key, "printed key matches the stored private key")
        #expect(!add.output.contains(cfg.uplinks[0].privateKey.base64), "never print the private key")
        let list = try Wgctl.run(["--root", f.root, "uplink", "list"])
        #expect(list.output.contains("sb-aa:bb:cc:dd:ee:ff"))
        #expect(list.output.contains("70"))
        let lines = list.output.split(separator: "\n").map { Array($0.utf8) }
        func column(_ line: [UInt8], _ word: String) -> Int? {
            let w = Array(word.utf8)
            return (0...(line.count - w.count)).first { Array(line[$0..<($0 + w.count)]) == w }
        }
        #expect(column(lines[0], "INTERFACE") == column(lines[1], "wu_"), "columns are aligned")
    }

    @Test func privateKeysNeverLeaveTheConfig() throws {
        let f = try FixtureRoot()
        _ = try f.service.add(Sample.request("nodeA"))
        _ = try f.service.offer(UplinkService.OfferRequest(bandwidthMbps: 10))
        let cfg = try UplinkConfiguration(package: try f.package("wireguard-uplink"))
        let secrets = cfg.uplinks.map(\.privateKey.base64) + [cfg.offer.privateKey!.base64]
        var outputs: [String] = []
        for args in [["uplink", "list", "--json"], ["uplink", "status", "--json"], ["uplink", "list"], ["uplink", "status"],
                     ["uplink", "apply", "--json"], ["uplink", "priority", "nodeA", "70", "--json"], ["uplink", "offer", "--json"]] {
            let r = try Wgctl.run(["--root", f.root] + args)
            outputs.append(r.output + r.errorText)
        }
        for m in ["uplink_list", "uplink_status", "uplink_apply", "uplink_offer"] {
            outputs.append(RPCD.call(m, input: Array("{}".utf8), service: f.service))
        }
        outputs.append(String(decoding: try Files.read(f.paths.runtimeState) ?? [], as: UTF8.self))
        for o in outputs { for s in secrets { #expect(!o.contains(s), "a private key leaked into: \(o.prefix(120))") } }
        #expect(Files.mode(f.config("wireguard-uplink")) == 0o600)
        #expect(Files.mode(f.paths.lockFile) == 0o600)
    }

    @Test func keysComeFromWireGuardTools() throws {
        try #require(Command.find("wg") != nil, "wg (wireguard-tools) is not installed: scripts/deps installs it")
        // RFC 7748 §6.1: Alice's key pair, derived by `wg pubkey` through Keys
        let alice = try WireGuardKey(base64: "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=")
        #expect(try Keys.publicKey(for: alice).base64 == "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=")
        var seen = Set<WireGuardKey>()
        for _ in 0..<3 {
            let pair = try Keys.generatePair()
            let r = try Command.run("wg", ["pubkey"], stdin: Array((pair.privateKey.base64 + "\n").utf8))
            #expect(r.output.trimmingNewlines() == pair.publicKey.base64)
            seen.insert(pair.privateKey)
        }
        #expect(seen.count == 3, "every generated private key is new")
    }

    @Test func concurrentAddsFromSeveralProcessesLoseNothing() throws {
        let f = try FixtureRoot()
        let n = 12
        var pids: [pid_t] = []
        for i in 0..<n {
            let args = [Wgctl.path, "--root", f.root, "uplink", "add", "peer\(i)", "--endpoint", "169.254.42.2:\(52000 + i)",
                        "--public-key", Sample.providerKey.base64, "--address", "10.200.\(i).2/32"]
            var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
            var pid: pid_t = 0
            #expect(posix_spawn(&pid, Wgctl.path, nil, nil, &cargs, environ) == 0)
            for p in cargs { free(p) }
            pids.append(pid)
        }
        for pid in pids {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            #expect(status == 0)
        }
        let cfg = try UplinkConfiguration(package: try f.package("wireguard-uplink"))
        #expect(Set(cfg.uplinks.map(\.peer.rawValue)) == Set((0..<n).map { "peer\($0)" }))
        #expect(Set(cfg.uplinks.map(\.slot)).count == n, "slots are unique")
        let net = try f.package("network")
        let mwan3 = try f.package("mwan3")
        for u in cfg.uplinks {
            #expect(net.section(named: u.interface) != nil)
            #expect(mwan3.section(named: u.interface) != nil)
            #expect(mwan3.section(named: "balanced")!.list("use_member").contains(InterfaceNaming.memberName(interface: u.interface)))
        }
        #expect(Set(net.sections.compactMap { $0["metric"] }).count == net.sections.filter { $0.has("metric") }.count)
    }
}
