import Testing
import UplinkCore
import UplinkSystem

/// The rpcd exec plugin, run under busybox ash as rpcd runs it on the router: it passes every
/// call through to `wgctl rpcd`, and when wgctl is missing or cannot run it still lists the
/// methods and answers each call with what is wrong and what to do (not ubus status 5).
@Suite struct RpcdPluginTests {
    let plugin = FixtureRoot.repo + "/rpcd/luci.wireguard-dashboard"

    func run(_ wgctl: String, _ args: [String], stdin: String = "{}") throws -> CommandResult {
        try Command.run("env", ["WGCTL=\(wgctl)", "busybox", "ash", plugin] + args, stdin: Array(stdin.utf8), timeout: 30)
    }

    func reply(_ r: CommandResult) throws -> JSONValue {
        try JSON.parse(r.output)
    }

    @Test func callsPassThroughWithTheirArguments() throws {
        let f = try FixtureRoot()
        let fake = f.root + "/wgctl"
        try Files.writeAtomically(fake, Array("#!/bin/sh\nread -r args\nprintf '{\"success\":true,\"argv\":\"%s\",\"stdin\":%s}\\n' \"$*\" \"$args\"\n".utf8), newMode: 0o755)
        let v = try reply(try run(fake, ["call", "uplink_test"], stdin: "{\"peer_id\":\"nodeA\"}\n"))
        #expect(v["argv"]?.stringValue == "rpcd call uplink_test")
        #expect(v["stdin"]?["peer_id"]?.stringValue == "nodeA")
    }

    @Test func theStaticMethodListIsWgctls() throws {
        let listed = try Wgctl.run(["rpcd", "list"])
        #expect(listed.ok)
        let fallback = try run("/nonexistent/wgctl", ["list"])
        #expect(fallback.ok)
        #expect(try reply(fallback) == (try JSON.parse(listed.output)),
                "update METHODS in rpcd/luci.wireguard-dashboard to `wgctl rpcd list`")
        // and with a working wgctl the list is wgctl's own
        #expect(try run(Wgctl.path, ["list"]).output == listed.output)
    }

    @Test func aMissingWgctlIsSaidInWords() throws {
        let v = try reply(try run("/nonexistent/wgctl", ["call", "uplink_status"]))
        #expect(v["success"] == .bool(false) && v["code"]?.stringValue == "backend_unavailable")
        #expect(v["error"]?.stringValue?.contains("/nonexistent/wgctl is not installed") == true)
        #expect(v["error"]?.stringValue?.contains("/etc/init.d/rpcd restart") == true)
    }

    @Test func aWgctlForAnotherCPUIsNamed() throws {
        let f = try FixtureRoot()
        // a real ELF binary (coreutils true) with its e_machine changed: the kernel refuses it (ENOEXEC)
        let foreign = f.root + "/wgctl"
        var bytes = try #require(try Files.read("/bin/true"))
        let host = bytes[18] == 0x3e ? "x86_64" : "aarch64"
        bytes[18] = bytes[18] == 0x3e ? 0xb7 : 0x3e
        bytes[19] = 0
        try Files.writeAtomically(foreign, bytes, newMode: 0o755)
        let v = try reply(try run(foreign, ["call", "uplink_status"]))
        #expect(v["code"]?.stringValue == "backend_unavailable")
        #expect(v["error"]?.stringValue?.contains("is built for \(host == "x86_64" ? "aarch64" : "x86_64") but this router is \(host)") == true, "\(v)")
    }

    @Test func aFailingOrUnexecutableWgctlKeepsItsReason() throws {
        let f = try FixtureRoot()
        let failing = f.root + "/failing"
        try Files.writeAtomically(failing, Array("#!/bin/sh\necho 'cannot load \"libcurl.so.4\"' >&2\nexit 127\n".utf8), newMode: 0o755)
        let v = try reply(try run(failing, ["call", "uplink_list"]))
        #expect(v["code"]?.stringValue == "backend_unavailable")
        #expect(v["error"]?.stringValue?.contains("exit 127") == true && v["error"]?.stringValue?.contains("\"libcurl.so.4\"") == true, "\(v)")
        let plain = f.root + "/plain"
        try Files.writeAtomically(plain, Array("#!/bin/sh\n".utf8), newMode: 0o644)
        let w = try reply(try run(plain, ["call", "uplink_list"]))
        #expect(w["error"]?.stringValue?.contains("is not executable") == true, "\(w)")
    }
}
