#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkSystem

/// Runs each end-to-end scenario of lab/scenarios in its own lab (network namespaces, real
/// WireGuard through wireguard-go, the real daemon in node C). Each script asserts that the
/// client's traffic reaches the isp through the expected provider and prints PASS or FAIL.
/// Without root, namespaces or wireguard-go the suite is skipped, unless LAB_REQUIRED=1
/// (CI sets it), in which case missing prerequisites fail.
@Suite(.serialized) struct LabScenarioTests {
    static let repo: String = {
        var p = #filePath
        for _ in 0..<3 { p = Files.dirname(p) }
        return p
    }()

    static var missing: String? {
        if getuid() != 0 { return "not root" }
        for tool in ["ip", "nft", "wg", "wireguard-go", "python3", "curl", "conntrack"] where Command.find(tool) == nil {
            return "\(tool) is not installed"
        }
        return nil
    }

    static var required: Bool { getenv("LAB_REQUIRED").map { String(cString: $0) == "1" } ?? false }

    static let scenarios = [
        "silent-wan-failure", "carrier-loss", "provider-wan-failure", "failback-hysteresis",
        "endpoint-udp-off-tunnels", "test-names-layer", "offers-zero-touch", "mesh-security", "mwan3-enforcement", "manual-provider-restart", "stock-node-ids",
        "linux-coexist-cleanup", "dual-stack-failover", "link-local-endpoint", "dns-failover", "offers-dual-stack",
        "adopt-linux", "auto-add",
        "pppoe-reconnect", "wan-device-recreated", "daemon-before-wan", "mwan3-start-race", "mwan3-stop-release",
    ]

    @Test(arguments: scenarios)
    func scenario(_ name: String) throws {
        if let why = Self.missing {
            #expect(!Self.required, "lab prerequisites missing: \(why)")
            print("SKIPPED lab scenario \(name): \(why) (LAB_REQUIRED=0 allowed it)")
            return
        }
        let env = "LAB_PREFIX=wgt WGCTL_BIN=\(Self.repo)/.build/debug/wgctl"
        let r = try Command.run("/bin/bash", ["-c", "\(env) exec bash \(Self.repo)/lab/scenarios/\(name).sh 2>&1"], timeout: 240)
        let out = r.output
        let verdict = out.split(separator: "\n").last { $0.hasPrefix("PASS ") || $0.hasPrefix("FAIL ") } ?? "no verdict"
        print(verdict)
        #expect(r.ok && verdict.hasPrefix("PASS \(name)"), "\(name): \(r.timedOut ? "timed out" : "exit \(r.status)")\n\(out.suffix(4000))")
        // every scenario removes the namespaces it made
        let ns = try Command.run("ip", ["netns", "list"])
        #expect(!ns.output.contains("wgt-"), "namespaces left behind: \(ns.output)")
    }
}
