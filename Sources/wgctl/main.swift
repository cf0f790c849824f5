import ArgumentParser
import Glibc
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

// the default node id (offers name this router by it): unique out of the box (NodeIdentity)
Settings.hostName = HostIdentity.defaultNodeID(root: getenv("WGCTL_ROOT").map { String(cString: $0) } ?? "/")

do {
    var command = try Wgctl.parseAsRoot(argv)
    try command.run()
} catch let e as UplinkError {
    Output.err("error: \(e.message)")
    exit(1)
} catch let e as ExitCode {
    exit(e.rawValue)
} catch {
    // Usage errors exit 2 (ArgumentParser would use 64); help and version exit 0.
    let code = Wgctl.exitCode(for: error)
    let message = Wgctl.fullMessage(for: error)
    if code == .success {
        Output.out(message)
        exit(0)
    }
    Output.err(message)
    exit(code == .validationFailure ? 2 : code.rawValue)
}
