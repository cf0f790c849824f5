#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkApp
import UplinkCore
import UplinkSystem

/// The command tree: `wgctl uplink ...` and `wgctl rpcd ...`.
enum Wgctl {
    static let tree = CommandSpec(
        name: "wgctl",
        abstract: "WireGuard mesh peers as backup uplinks (reverse multi-WAN).",
        discussion: "Global option: --root DIR (or WGCTL_ROOT) runs on a copy of the filesystem under DIR.",
        subcommands: [UplinkCommands.spec, RpcdCommand.spec])
}

/// Options every command takes.
struct Common {
    var root: String?
    var json = false

    init(_ p: ParsedCommand) {
        root = p.value("root")
        json = p.flag("json")
    }

    var paths: Paths {
        if let root { return Paths(root: root) }
        if let env = getenv("WGCTL_ROOT") { return Paths(root: String(cString: env)) }
        return Paths(root: "/")
    }

    var service: UplinkService { UplinkService(paths: paths) }
}

/// Validates PEER_ID before anything else runs (a bad one is a usage error: exit 2).
func validatedPeer(_ raw: String?) throws -> PeerID {
    do {
        return try PeerID(validating: raw ?? "")
    } catch {
        throw UsageError(error.message)
    }
}

/// Renders an operation's result: JSON when asked, otherwise the text `human` builds.
func emit(_ common: Common, _ value: JSONValue, human: (JSONValue) -> String) {
    if common.json {
        Output.json(value)
    } else {
        Output.out(human(value))
    }
}

/// For --json, failures are JSON on stdout too (exit status still 1).
func failing(_ common: Common, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as UplinkError where common.json {
        Output.json(ResultJSON.error(e))
        Output.err("error: \(e.message)")
        throw ExitStatus(1)
    }
}

func describeOutcome(_ v: JSONValue) -> String {
    var lines: [String] = []
    let changed = v["changed"]?.arrayValue?.compactMap(\.stringValue) ?? []
    lines.append(changed.isEmpty ? "No file changed." : "Changed: " + changed.joined(separator: ", ") + ".")
    if let r = v["reload"]?.stringValue { lines.append("Reload: \(r).") }
    for i in v["adopted_interfaces"]?.arrayValue ?? [] { lines.append("Took in interface \(Output.text(i)), marked as an uplink by hand (option secubox_uplink).") }
    for i in v["released_interfaces"]?.arrayValue ?? [] { lines.append("Let interface \(Output.text(i)) go: its secubox_uplink marker was taken off by hand.") }
    for w in v["warnings"]?.arrayValue ?? [] { lines.append("warning: \(Output.text(w))") }
    if let r = v["state_file_rebuilt"]?.stringValue { lines.append("note: runtime state rebuilt (\(r))") }
    return lines.joined(separator: "\n")
}
