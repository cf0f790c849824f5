// Times the pure core on the fixture router: plan + reconcile + apply (the byte edits) for
// N uplinks added at once, and parsing the resulting files. Usage: planner-bench [N] [RUNS]
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UCI
import UplinkCore

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func read(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "r") else { fatalError("cannot open \(path)") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return out
}

let args = CommandLine.arguments
let n = args.count > 1 ? Int(args[1]) ?? 1000 : 1000
let runs = args.count > 2 ? Int(args[2]) ?? 5 : 5
var dir = #filePath
for _ in 0..<3 { dir = String(dir[..<dir.lastIndex(of: "/")!]) }
let fixture = dir + "/Tests/Fixtures/gateway/etc/config/"
let network = try UCIDocument(bytes: read(fixture + "network"))
let mwan3 = try UCIDocument(bytes: read(fixture + "mwan3"))
let firewall = try UCIDocument(bytes: read(fixture + "firewall"))
let key = try WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
var uplinks: [UplinkConfig] = []
var taken = Set<String>()
for i in 0..<n {
    let peer = try PeerID(validating: "sb-00:11:22:\(i / 65536):\((i / 256) % 256):\(i % 256)")
    let name = InterfaceNaming.interfaceName(for: peer, taken: taken)
    taken.insert(name)
    uplinks.append(UplinkConfig(peer: peer, interface: name, endpoint: Endpoint(host: "169.254.42.2", port: 50000 + i % 10000),
                                publicKey: key, privateKey: key, addresses: [IPPrefix("10.200.0.2/32")!],
                                priority: 1 + i % 100, slot: i + 1))
}
var settings = Settings()
settings.failoverTimeout = 30
let cfg = UplinkConfiguration(settings: settings, uplinks: uplinks)
var times: [Double] = []
var sizes = (0, 0)
for _ in 0..<runs {
    let t0 = now()
    let plan = try Planner.plan(PlanInput(configuration: cfg, network: network.package, mwan3: mwan3.package, firewall: firewall.package))
    let net = try Reconciler.changes(network, plan: plan.network).apply()
    let mw = try Reconciler.changes(mwan3, plan: plan.mwan3!).apply()
    _ = try Reconciler.changes(firewall, plan: plan.firewall!).apply()
    times.append(now() - t0)
    sizes = (net.count, mw.count)
}
times.sort()
print("planner-bench: \(n) uplinks, \(runs) runs: median \(Int(times[times.count / 2] * 1000)) ms, min \(Int(times[0] * 1000)) ms (plan + reconcile + byte edits + re-parse of network \(sizes.0 / 1024) KiB, mwan3 \(sizes.1 / 1024) KiB)")
