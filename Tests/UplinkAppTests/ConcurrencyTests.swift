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

/// 20 processes on one root for a minute: CLI writers adding and removing their own uplinks,
/// rpcd callers setting priorities, `apply`/`status`/`list` readers, a writer killed with
/// SIGKILL over and over (its lock must be freed), and the daemon (in an empty network
/// namespace, so it can send nothing) saving its state and re-rendering on every reload.
/// At the end no update is lost, nothing deadlocked and every file loads.
@Suite(.serialized) struct ConcurrencyTests {
    static let worker = #"""
    #!/bin/bash
    # concurrency worker: KIND ID ROOT SECONDS OUT
    kind=$1 id=$2 root=$3 secs=$4 out=$5 w=$WGCTL
    start=$(date +%s.%N); end=$(( $(date +%s) + secs )); n=0; last=""
    key=HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=
    while [ "$(date +%s)" -lt "$end" ]; do
      n=$((n + 1))
      case $kind in
        cli)   # add a new uplink, remove the previous: at the end exactly the last one remains
          if timeout 60 "$w" --root "$root" uplink add "c$id-$n" --endpoint "169.254.42.2:$((50000 + id * 100 + n % 100))" \
               --public-key "$key" --address "10.$id.$((n % 250)).2/32" >/dev/null 2>>"$out.err"; then
            [ -n "$last" ] && { timeout 60 "$w" --root "$root" uplink remove "$last" >/dev/null 2>>"$out.err" || echo "remove $last failed" >>"$out.err"; }
            last="c$id-$n"
          else echo "add c$id-$n failed" >>"$out.err"; fi ;;
        rpcd)  # its own uplink's priority goes 1..100 over and over; the last success must stick
          p=$(( n % 100 + 1 ))
          r=$(echo "{\"peer_id\":\"r$id\",\"weight\":$p}" | timeout 60 "$w" --root "$root" rpcd call uplink_set_priority)
          case $r in *'"success":true'*) last=$p ;; *) echo "rpcd: $r" >>"$out.err" ;; esac ;;
        read)  timeout 60 "$w" --root "$root" uplink list --json >/dev/null 2>>"$out.err" || echo "list failed" >>"$out.err"
               echo '{}' | timeout 60 "$w" --root "$root" rpcd call uplink_status | grep -q '"success":true' || echo "status failed" >>"$out.err" ;;
        apply) timeout 60 "$w" --root "$root" uplink apply >/dev/null 2>>"$out.err" || echo "apply failed" >>"$out.err" ;;
        killer) "$w" --root "$root" uplink add "k$id-$n" --endpoint 169.254.42.2:59999 --public-key "$key" --address 10.250.0.2/32 \
                  >/dev/null 2>&1 & p=$!; sleep 0.0$((RANDOM % 9 + 1)); kill -9 $p 2>/dev/null; wait $p 2>/dev/null
                "$w" --root "$root" uplink remove "k$id-$n" >/dev/null 2>&1 ;;
      esac
    done
    echo "n=$n start=$start end=$(date +%s.%N) last=$last" > "$out"
    """#

    @Test func twentyProcessesForAMinute() throws {
        let f = try FixtureRoot()
        let seconds = Int(getenv("CONCURRENCY_SECONDS").map { String(cString: $0) }.flatMap(Int.init) ?? 60)
        for j in 0..<5 {
            _ = try f.service.add(Sample.request("r\(j)", port: 51000 + j, address: "10.99.\(j).2/32"))
        }
        let script = f.root + "/worker.sh"
        try Files.writeAtomically(script, Array(Self.worker.utf8), newMode: 0o755)
        // the daemon in an empty network namespace: it can reach nothing, but it writes
        var daemon: CommandResult? = nil
        let unshare = Privilege.rootOrSkip("the daemon of the concurrency test (unshare --net)") && Command.find("unshare") != nil
        var kinds: [(String, Int)] = (0..<8).map { ("cli", $0) } + (0..<5).map { ("rpcd", $0) } + [("read", 0), ("read", 1), ("read", 2), ("apply", 0), ("apply", 1), ("killer", 0)]
        if !unshare { kinds.append(("apply", 2)) }
        var pids: [pid_t] = []
        for (kind, id) in kinds {
            let args = ["/bin/bash", script, kind, String(id), f.root, String(seconds), "\(f.root)/out-\(kind)-\(id)"]
            var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
            setenv("WGCTL", Wgctl.path, 1)
            var pid: pid_t = 0
            #expect(posix_spawn(&pid, "/bin/bash", nil, nil, &cargs, environ) == 0)
            for p in cargs { free(p) }
            pids.append(pid)
        }
        if unshare {
            daemon = try Command.run("timeout", ["-s", "TERM", String(seconds), "unshare", "--net", Wgctl.path, "--root", f.root, "uplink", "daemon"],
                                     timeout: Double(seconds) + 30)
        }
        let deadline = Clock.monotonic() + Double(seconds) + 120
        for pid in pids {
            var status: Int32 = 0
            while waitpid(pid, &status, WNOHANG) == 0 {
                #expect(Clock.monotonic() < deadline, "a worker is stuck: deadlock?")
                if Clock.monotonic() >= deadline { kill(pid, SIGKILL) }
                usleep(100_000)
            }
        }
        if let d = daemon { #expect(d.output.contains("started"), "daemon: \(d.output.suffix(500)) \(d.errorText)") }
        // no lost update: each CLI worker's last uplink is there and none of its earlier ones
        let cfg = try UplinkConfiguration(package: try f.package("wireguard-uplink"))
        let peers = Set(cfg.uplinks.map(\.peer.rawValue))
        var total = 0, ran = 0, latestStart = 0.0, earliestEnd = Double.infinity
        for (kind, id) in kinds {
            let out = String(decoding: try Files.read("\(f.root)/out-\(kind)-\(id)") ?? [], as: UTF8.self).trimmingNewlines()
            var field: [String: String] = [:]
            for kv in out.split(separator: " ") {
                let p = kv.split(separator: "=", maxSplits: 1).map(String.init)
                field[p[0]] = p.count > 1 ? p[1] : ""
            }
            let errors = String(decoding: (try? Files.read("\(f.root)/out-\(kind)-\(id).err")) ?? nil ?? [], as: UTF8.self)
            #expect(errors.isEmpty, "\(kind) \(id): \(errors.prefix(400))")
            let n = Int(field["n"] ?? "") ?? 0
            total += n
            if n > 0 { ran += 1 }
            latestStart = max(latestStart, Double(field["start"] ?? "") ?? .infinity)
            earliestEnd = min(earliestEnd, Double(field["end"] ?? "") ?? 0)
            let last = field["last"] ?? ""
            if kind == "cli" {
                let mine = peers.filter { $0.hasPrefix("c\(id)-") }
                #expect(!last.isEmpty && mine == [last], "cli \(id): expected only \(last), found \(mine)")
            }
            if kind == "rpcd", let want = Int(last) {
                #expect(cfg.uplink(for: try PeerID(validating: "r\(id)"))?.priority == want, "rpcd \(id): lost priority update")
            }
        }
        #expect(!peers.contains { $0.hasPrefix("k") }, "the killer's uplinks were removed each round")
        // they really ran side by side: every worker did work, and all were running at one moment
        #expect(ran == kinds.count, "\(kinds.count - ran) workers did nothing")
        #expect(latestStart < earliestEnd, "the workers did not overlap: the last started at \(latestStart), the first ended at \(earliestEnd)")
        #expect(ran + (daemon == nil ? 0 : 1) == 20, "20 processes at once")
        // every file loads; the user's bytes are intact; shared files match our config
        for pkg in ["network", "mwan3", "firewall"] {
            #expect(try CrashSafetyTests.userContent(f.bytes(pkg)!) == f.original(pkg)!)
        }
        let net = try f.package("network")
        #expect(Set(net.sections.compactMap { $0["secubox_peer_id"] }) == peers)
        #expect(RuntimeStateStore(paths: f.paths).load().condition == .ok)
        print("concurrency: \(kinds.count) workers\(unshare ? " + daemon" : "") ran \(total) operations in \(seconds) s; \(peers.count) uplinks at the end")
    }
}
