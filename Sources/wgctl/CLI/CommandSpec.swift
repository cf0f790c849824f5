/// The command line, declared: each command names its arguments and options, with the help a
/// person reads. One small parser (CommandParser) serves them all; the binary carries no
/// argument-parsing library (and so no Foundation).
struct OptionSpec: Sendable {
    let name: String
    let help: String
    /// nil for a flag; the placeholder shown in help otherwise
    let value: String?

    static func value(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, help: help, value: placeholder)
    }
    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, help: help, value: nil)
    }
}

struct ArgumentSpec: Sendable {
    let name: String
    let help: String
    var optional = false
    var variadic = false
}

struct CommandSpec: Sendable {
    let name: String
    let abstract: String
    var discussion: String? = nil
    var arguments: [ArgumentSpec] = []
    var options: [OptionSpec] = []
    var subcommands: [CommandSpec] = []
    /// Options every leaf command takes (--root, --json); hidden ones are accepted, not listed.
    var common = true
    var hidden: Set<String> = []
    var run: (@Sendable (ParsedCommand) throws -> Void)? = nil

    static let commonOptions: [OptionSpec] = [
        .value("root", "dir", "Filesystem root holding etc/config, tmp/.uci and var/run (default: WGCTL_ROOT or /)."),
        .flag("json", "Print JSON instead of text."),
    ]

    var allOptions: [OptionSpec] {
        (common ? Self.commonOptions : [Self.commonOptions[0]]) + options + [.flag("help", "Show help information.")]
    }
}

/// A usage error: printed with the command's usage line, exit status 2.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Help was asked for: printed on stdout, exit status 0.
struct HelpRequest: Error {
    let text: String
}

/// A command's own exit status, without a message (e.g. `test` that found a failing layer).
struct ExitStatus: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}
