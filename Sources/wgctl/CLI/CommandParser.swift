/// Parses argv against the command tree: `wgctl uplink add nodeA --endpoint H:P --json`.
/// Options may come before, between or after the arguments, as `--name value` or
/// `--name=value`; `--` ends the options. Anything unknown is a usage error.
struct ParsedCommand {
    let spec: CommandSpec
    let path: [String]
    var arguments: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []

    func value(_ name: String) -> String? { values[name] }
    func flag(_ name: String) -> Bool { flags.contains(name) }

    func int(_ name: String) throws -> Int? {
        guard let v = values[name] else { return nil }
        guard let n = Int(v) else { throw UsageError("--\(name) takes a whole number, not '\(v)'") }
        return n
    }

    /// The first positional argument named `name` in the spec.
    func argument(_ name: String) -> String? {
        guard let i = spec.arguments.firstIndex(where: { $0.name == name }), i < arguments.count else { return nil }
        return arguments[i]
    }

    /// Every argument from the variadic one on.
    func rest(_ name: String) -> [String] {
        guard let i = spec.arguments.firstIndex(where: { $0.name == name }), i < arguments.count else { return [] }
        return Array(arguments[i...])
    }
}

enum CommandParser {
    static func parse(_ argv: [String], root: CommandSpec) throws -> ParsedCommand {
        var spec = root
        var path = [root.name]
        var i = 0
        // walk down the subcommands
        while !spec.subcommands.isEmpty {
            guard i < argv.count else { throw HelpRequest(text: help(spec, path: path)) }
            let word = argv[i]
            if word == "--help" || word == "-h" || word == "help" { throw HelpRequest(text: help(spec, path: path)) }
            guard let next = spec.subcommands.first(where: { $0.name == word }) else {
                throw UsageError("unknown command '\(word)' for '\(path.joined(separator: " "))'; one of: \(spec.subcommands.map(\.name).joined(separator: ", "))\n\n" + help(spec, path: path))
            }
            spec = next
            path.append(word)
            i += 1
        }
        var out = ParsedCommand(spec: spec, path: path)
        let options = spec.allOptions
        var optionsOpen = true
        while i < argv.count {
            let word = argv[i]
            i += 1
            if optionsOpen && word == "--" { optionsOpen = false; continue }
            if optionsOpen && (word == "--help" || word == "-h") { throw HelpRequest(text: help(spec, path: path)) }
            if optionsOpen && word.hasPrefix("--") {
                var name = String(word.dropFirst(2))
                var inline: String? = nil
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                guard let o = options.first(where: { $0.name == name }) else {
                    throw UsageError("unknown option '--\(name)'\n\n" + usage(spec, path: path))
                }
                // a second value would silently replace the first: lists are comma-separated
                if o.value != nil, out.values[name] != nil {
                    throw UsageError("--\(name) is given twice; give several values once, comma-separated (--\(name) A,B)")
                }
                if o.value == nil {
                    if inline != nil { throw UsageError("--\(name) takes no value") }
                    out.flags.insert(name)
                } else if let inline {
                    out.values[name] = inline
                } else {
                    // `--root --endpoint X`: an option is not a value (write --root=--odd for that)
                    guard i < argv.count, !argv[i].hasPrefix("--") else { throw UsageError("--\(name) needs a value (\(o.value!))") }
                    out.values[name] = argv[i]
                    i += 1
                }
                continue
            }
            if optionsOpen && word.hasPrefix("-") && word.count > 1 {
                throw UsageError("unknown option '\(word)'\n\n" + usage(spec, path: path))
            }
            out.arguments.append(word)
        }
        let required = spec.arguments.filter { !$0.optional && !$0.variadic }.count
        if out.arguments.count < required {
            let missing = spec.arguments[out.arguments.count]
            throw UsageError("missing <\(missing.name)>\n\n" + usage(spec, path: path))
        }
        if !spec.arguments.contains(where: \.variadic) && out.arguments.count > spec.arguments.count {
            throw UsageError("unexpected argument '\(out.arguments[spec.arguments.count])'\n\n" + usage(spec, path: path))
        }
        return out
    }

    static func usage(_ spec: CommandSpec, path: [String]) -> String {
        if !spec.subcommands.isEmpty { return "USAGE: \(path.joined(separator: " ")) <subcommand>" }
        var parts = [path.joined(separator: " ")]
        for a in spec.arguments {
            parts.append(a.variadic ? "[<\(a.name)> ...]" : a.optional ? "[<\(a.name)>]" : "<\(a.name)>")
        }
        for o in spec.allOptions where !spec.hidden.contains(o.name) && o.name != "help" && o.name != "root" {
            parts.append(o.value.map { "[--\(o.name) <\($0)>]" } ?? "[--\(o.name)]")
        }
        return "USAGE: " + parts.joined(separator: " ")
    }

    static func help(_ spec: CommandSpec, path: [String]) -> String {
        var lines = ["OVERVIEW: \(spec.abstract)"]
        if let d = spec.discussion { lines += ["", wrap(d, indent: "")] }
        lines += ["", usage(spec, path: path)]
        if !spec.subcommands.isEmpty {
            lines += ["", "SUBCOMMANDS:"]
            let w = spec.subcommands.map(\.name.count).max() ?? 0
            for s in spec.subcommands { lines.append("  " + s.name.padding(w + 2) + s.abstract) }
            lines += ["", "  See '\(path.joined(separator: " ")) <subcommand> --help' for each one."]
            return lines.joined(separator: "\n")
        }
        if !spec.arguments.isEmpty {
            lines += ["", "ARGUMENTS:"]
            for a in spec.arguments { lines.append("  <\(a.name)>".padding(24) + a.help) }
        }
        lines += ["", "OPTIONS:"]
        for o in spec.allOptions where !spec.hidden.contains(o.name) {
            let head = "  --\(o.name)" + (o.value.map { " <\($0)>" } ?? "")
            lines.append(head.count >= 24 ? head + "\n" + String(repeating: " ", count: 24) + o.help : head.padding(24) + o.help)
        }
        return lines.joined(separator: "\n")
    }

    static func wrap(_ text: String, indent: String, width: Int = 90) -> String {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + word.count + 1 > width { lines.append(indent + line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(indent + line) }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
