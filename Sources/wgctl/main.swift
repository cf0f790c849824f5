#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore
import UplinkSystem

// `wgctl [--root DIR] <command> ...`: a leading --root belongs to every subcommand, so it is
// taken off argv here and handed over through WGCTL_ROOT (a --root after the subcommand wins).
var argv = Array(CommandLine.arguments.dropFirst())
while let first = argv.first, first.hasPrefix("--root") {
    if first == "--root", argv.count >= 2 {
        setenv("WGCTL_ROOT", argv[1], 1)
        argv.removeFirst(2)
    } else if first.hasPrefix("--root=") {
        setenv("WGCTL_ROOT", String(first.dropFirst(7)), 1)
        argv.removeFirst()
    } else {
        break
    }
}

// a child that exits early (a command, the HTTP probe helper) makes a write fail, not kill us
signal(SIGPIPE, SIG_IGN)

// the default node id (offers name this router by it): unique out of the box (NodeIdentity)
Settings.hostName = HostIdentity.defaultNodeID(root: getenv("WGCTL_ROOT").map { String(cString: $0) } ?? "/")

// exit 0 on success and help, 1 when the operation failed, 2 on a usage error
do {
    let command = try CommandParser.parse(argv, root: Wgctl.tree)
    try command.spec.run?(command)
} catch let e as UplinkError {
    Output.err("error: \(e.message)")
    exit(1)
} catch let e as ExitStatus {
    exit(e.code)
} catch let h as HelpRequest {
    Output.out(h.text)
    exit(0)
} catch let u as UsageError {
    Output.err("error: \(u.message)")
    exit(2)
} catch {
    Output.err("error: \(error)")
    exit(1)
}
