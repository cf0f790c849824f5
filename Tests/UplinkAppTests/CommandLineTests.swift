import Testing
import UplinkCore
import UplinkSystem

/// wgctl's own argument parser, through the binary: help on stdout with exit 0, every usage
/// error on stderr with exit 2 before anything runs, options anywhere, `--name=value`, `--`.
@Suite struct CommandLineTests {
    static let subcommands = ["list", "status", "add", "remove", "priority", "failover", "apply", "test", "check",
                              "daemon", "notify", "release", "offer", "withdraw"]

    @Test func everyCommandHasHelp() throws {
        for c in Self.subcommands {
            let r = try Wgctl.run(["uplink", c, "--help"])
            #expect(r.status == 0 && r.output.hasPrefix("OVERVIEW: ") && r.output.contains("USAGE: wgctl uplink \(c)"), "\(c): \(r.output)")
            #expect(r.output.contains("--json"), "\(c) takes --json")
        }
        let add = try Wgctl.run(["uplink", "add", "-h"]).output
        for o in ["--endpoint", "--public-key", "--address", "--gateway", "--priority", "--weight"] { #expect(add.contains(o)) }
        let top = try Wgctl.run([])
        #expect(top.status == 0 && top.output.contains("uplink") && top.output.contains("rpcd"))
        #expect(try Wgctl.run(["uplink"]).output.contains("withdraw"))
    }

    @Test(arguments: [
        (["uplink", "frobnicate"], "unknown command 'frobnicate'"),
        (["uplink", "list", "--verbose"], "unknown option '--verbose'"),
        (["uplink", "list", "-v"], "unknown option '-v'"),
        (["uplink", "list", "--json=yes"], "--json takes no value"),
        (["uplink", "remove"], "missing <peer-id>"),
        (["uplink", "remove", "a", "b"], "unexpected argument 'b'"),
        (["uplink", "add", "nodeA", "--priority", "high"], "--priority takes a whole number"),
        (["uplink", "add", "nodeA", "--endpoint"], "--endpoint needs a value"),
        (["uplink", "add", "nodeA", "--root", "--endpoint", "h:1"], "--root needs a value"),
        (["uplink", "priority", "nodeA", "ten"], "<priority> is a whole number"),
        (["uplink", "failover", "maybe"], "<mode> is enable or disable"),
        (["uplink", "notify", "explode"], "unknown action 'explode'"),
        (["uplink", "add", "nodeA", "--address", "10.0.0.2/32", "--address", "fd00::2/128"], "--address is given twice"),
    ])
    func usageErrorsExit2BeforeAnythingRuns(args: [String], message: String) throws {
        let f = try FixtureRoot()
        let before = f.snapshot()
        let r = try Wgctl.run(["--root", f.root] + args)
        #expect(r.status == 2, "\(args): exit \(r.status)")
        #expect(r.output.isEmpty && r.errorText.contains(message), "\(args): \(r.errorText)")
        #expect(FixtureRoot.sameSnapshot(before, f.snapshot()))
    }

    @Test func optionsGoAnywhereInlineValuesAndDoubleDash() throws {
        let f = try FixtureRoot()
        let add = try Wgctl.run(["uplink", "add", "--json", "--endpoint=169.254.42.2:51900", "nodeA", "--root", f.root,
                                 "--public-key", Sample.providerKey.base64, "--address=10.200.1.2/32", "--priority=70"])
        #expect(add.status == 0, "\(add.errorText)")
        #expect(try JSON.parse(add.output)["priority"]?.intValue == 70)
        // after --, "-x" is an argument (a valid peer id that is no uplink), not an option
        let r = try Wgctl.run(["--root", f.root, "uplink", "remove", "--", "-x"])
        #expect(r.status == 1 && r.errorText.contains("not an uplink"), "\(r.errorText)")
    }
}
