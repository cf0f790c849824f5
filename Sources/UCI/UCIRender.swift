/// Writes UCI text the way `uci export` and LuCI do: `config type 'name'`, one tab-indented
/// statement per line, values in single quotes with an embedded quote written `'\''`.
public enum UCIRender {
    public static func quote(_ value: String) -> String {
        "'" + value.replacing("'", with: "'\\''") + "'"
    }

    public static func header(type: String, name: String?) -> String {
        if let name { return "config \(type) \(quote(name))" }
        return "config \(type)"
    }

    public static func statements(of option: UCIOption) -> [String] {
        switch option.value {
        case .string(let v): return ["option \(option.name) \(quote(v))"]
        case .list(let items): return items.map { "list \(option.name) \(quote($0))" }
        }
    }

    /// The section's text without a trailing newline.
    public static func section(_ s: UCISection) -> String {
        var lines = [header(type: s.type, name: s.name)]
        for o in s.options {
            for st in statements(of: o) { lines.append("\t" + st) }
        }
        return lines.joined(separator: "\n")
    }

    /// A whole package in `uci export` layout (without the `package` line).
    public static func package(_ p: UCIPackage) -> String {
        var out = ""
        for s in p.sections { out += "\n" + section(s) + "\n" }
        return out
    }
}
