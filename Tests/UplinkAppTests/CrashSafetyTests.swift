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

/// `wgctl` killed with SIGKILL at random points of `add`, `remove` and `apply`: every file
/// under etc/config must still load, hold either the old or the new set of uplinks, keep the
/// user's sections byte for byte, and the next command must leave a clean runtime state.
@Suite(.serialized) struct CrashSafetyTests {
    /// The user's content of a shared file: the file minus our sections and our members.
    static func userContent(_ bytes: [UInt8]) throws -> [UInt8] {
        let doc = try UCIDocument(bytes: bytes)
        var c = UCIChangeSet(doc)
        let ours = Set(doc.package.sections.filter(Ownership.isOwned).compactMap(\.name))
        for (i, s) in doc.package.sections.enumerated() {
            if Ownership.isOwned(s) {
                c.deleteSection(i)
            } else if s.type == "policy" {
                for m in Set(s.list("use_member")) where ours.contains(m) { c.removeListValue(section: i, name: "use_member", value: m) }
            }
        }
        return try c.apply()
    }

    static func uplinks(_ root: String) throws -> Set<String> {
        let doc = try UCIDocument(bytes: try Files.read(root + "/etc/config/wireguard-uplink") ?? [])
        return Set(doc.package.sections(ofType: "uplink").compactMap { $0["peer_id"] })
    }

    func spawn(_ args: [String]) -> pid_t {
        var cargs: [UnsafeMutablePointer<CChar>?] = ([Wgctl.path] + args).map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        _ = posix_spawn(&pid, Wgctl.path, &actions, &attr, cargs, environ)
        return pid
    }

    @Test func killedAtRandomNothingIsPartial() throws {
        let base = try FixtureRoot()
        _ = try base.service.add(Sample.request("peerA", port: 51900, address: "10.200.1.2/32"))
        _ = try base.service.add(Sample.request("peerB", port: 51901, address: "10.200.2.2/32"))
        let originals = ["network", "mwan3", "firewall"].map { ($0, base.original($0)!) }
        var rng = SystemRandomNumberGenerator()
        let perOp = Int(getenv("CRASH_ITERATIONS").map { String(cString: $0) }.flatMap(Int.init) ?? 340)
        var killedMidway = 0, landedThoughKilled = 0
        // the "apply" third must have something to write, or its kills prove nothing
        let probe = try FixtureRoot()
        _ = try Command.run("cp", ["-a", base.root + "/etc", base.root + "/var", probe.root + "/"])
        try Files.writeAtomically(probe.config("wireguard-uplink"),
                                  Array(probe.text("wireguard-uplink").replacing("option weight '1'", with: "option weight '4'").utf8))
        let dry = try JSON.parse(try Wgctl.run(["--root", probe.root, "uplink", "apply", "--json"]).output)
        #expect((dry["changed"]?.arrayValue ?? []).count > 0, "apply has nothing to change: \(dry)")
        for op in ["add", "remove", "apply"] {
            var killedHere = 0, changedHere = 0, window = 0.05
            for i in 0..<perOp {
                let f = try FixtureRoot()
                _ = try Command.run("cp", ["-a", base.root + "/etc", base.root + "/var", f.root + "/"])
                let before = try Self.uplinks(f.root)
                if op == "apply" {
                    // our file says weight 4 while mwan3's members still say 1: apply has work
                    let text = f.text("wireguard-uplink").replacing("option weight '1'", with: "option weight '4'")
                    try Files.writeAtomically(f.config("wireguard-uplink"), Array(text.utf8))
                }
                let args: [String]
                switch op {
                case "add": args = ["--root", f.root, "uplink", "add", "peerC\(i)", "--endpoint", "169.254.42.2:52000",
                                    "--public-key", Sample.providerKey.base64, "--address", "10.200.9.2/32"]
                case "remove": args = ["--root", f.root, "uplink", "remove", "peerA"]
                default: args = ["--root", f.root, "uplink", "apply"]
                }
                // the first run of each command is not killed: it measures how long the command
                // takes here, and the kills spread over 0–110 % of that
                let started = Clock.monotonic()
                let pid = spawn(args)
                if i > 0 { usleep(UInt32.random(in: 0...UInt32(window * 1.1e6), using: &rng)); kill(pid, SIGKILL) }
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                if i == 0 { window = Clock.monotonic() - started }
                if (status & 0x7f) == SIGKILL { killedMidway += 1 }
                // every file loads and keeps the user's bytes
                for (pkg, original) in originals {
                    let bytes = try #require(f.bytes(pkg))
                    #expect(try Self.userContent(bytes) == original, "\(op) #\(i): user content of \(pkg) changed")
                }
                let after = try Self.uplinks(f.root)
                let expected: Set<String> = op == "add" ? before.union(["peerC\(i)"]) : op == "remove" ? before.subtracting(["peerA"]) : before
                #expect(after == before || after == expected, "\(op) #\(i): uplinks \(after)")
                // what the command writes: our file (add, remove), mwan3's members (apply)
                let target = op == "apply" ? "mwan3" : "wireguard-uplink"
                let original = try Files.read(base.config(target))
                if (status & 0x7f) == SIGKILL { killedHere += 1 }
                if f.bytes(target) != original { changedHere += 1 }
                if (status & 0x7f) == SIGKILL && f.bytes(target) != original { landedThoughKilled += 1 }
                // the next command repairs whatever the kill left
                let repair = try Wgctl.run(["--root", f.root, "uplink", "apply"])
                #expect(repair.status == 0, "\(op) #\(i): \(repair.errorText)")
                let (state, condition) = RuntimeStateStore(paths: f.paths).load()
                #expect(condition == .ok)
                #expect(Set(state.paths.values.filter { $0.kind == .uplink }.map(\.name)) == after)
                let leftovers = try Command.run("sh", ["-c", "ls -a \(f.config("")) | grep -c wgu- || true"])
                #expect(leftovers.output.trimmingNewlines() == "0", "temporary files left in etc/config")
            }
            // the kills spread over the command's whole run: some before it wrote, some after
            #expect(killedHere > 0 && changedHere > 0 && changedHere < perOp, "\(op): \(killedHere) killed, \(changedHere) wrote, of \(perOp)")
            print("crash safety \(op): \(perOp) runs, \(killedHere) killed, \(changedHere) wrote their file")
        }
        print("crash safety: \(3 * perOp) runs, \(killedMidway) killed before finishing, \(landedThoughKilled) of them after writing their file")
        #expect(killedMidway > perOp, "the kills must land while the commands run")
    }

    @Test func diskFullIsAClearErrorAndKeepsTheOldFile() throws {
        guard Privilege.rootOrSkip("the disk-full test (mounts a 64 KiB tmpfs)") else { return }
        let f = try FixtureRoot()
        let dir = f.config("")
        let saved = f.root + "/saved-config"
        _ = try Command.run("cp", ["-a", dir, saved])
        let mount = try Command.run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir])
        try #require(mount.ok, "cannot mount a tmpfs as root: \(mount.errorText)")
        defer { _ = try? Command.run("umount", [dir]) }
        _ = try Command.run("sh", ["-c", "cp -a \(saved)/. \(dir)/ && dd if=/dev/zero of=\(dir)/.filler bs=1k count=1000 2>/dev/null; true"])
        let before = f.snapshot()
        let r = try Wgctl.run(["--root", f.root, "uplink", "add", "peerA", "--endpoint", "169.254.42.2:51900",
                               "--public-key", Sample.providerKey.base64, "--address", "10.200.1.2/32"])
        #expect(r.status == 1)
        #expect(r.errorText.contains("No space left on device"), "\(r.errorText)")
        #expect(r.errorText.contains("old file is unchanged"))
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
        let leftovers = try Command.run("sh", ["-c", "ls -a \(dir) | grep -c wgu- || true"])
        #expect(leftovers.output.trimmingNewlines() == "0")
    }
}
