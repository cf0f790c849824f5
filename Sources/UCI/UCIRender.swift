/// Writes UCI text the way `uci export` and LuCI do: `config type 'name'`, one tab-indented
/// statement per line, values in single quotes with an embedded quote written `'\''`.
public enum UCIRender {
    public static func quote(_ value: String) -> String {
        var out = "'"
        for c in value { if c == "'" { out += "'\\''" } else { out.append(c) } }
        return out + "'"
    }

    /// `config type 'name'`. A type may hold any printable character; one with more than
    /// `[A-Za-z0-9_-]` is quoted, so `;`, `#` or quotes in it survive a re-read (libuci's
    /// own export writes it bare and loses such types).
    public static func header(type: String, name: String?) -> String {
        let plain = type.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D
        }
        let t = plain ? type : quote(type)
        if let name { return "config \(t) \(quote(name))" }
        return "config \(t)"
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
