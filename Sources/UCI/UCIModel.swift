/// The semantic content of one UCI package, as libuci holds it after loading a file:
/// sections in file order, each with a type, an optional name and ordered options.

public enum UCIValue: Equatable, Hashable, Sendable {
    case string(String)
    case list([String])

    /// The value as a list: a string option counts as a one-item list (as `config_list_foreach` sees it).
    public var items: [String] {
        switch self {
        case .string(let s): return [s]
        case .list(let l): return l
        }
    }
}

public struct UCIOption: Equatable, Hashable, Sendable {
    public var name: String
    public var value: UCIValue

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = .string(value)
    }

    public init(_ name: String, list: [String]) {
        self.name = name
        self.value = .list(list)
    }
}

public struct UCISection: Equatable, Hashable, Sendable {
    public var type: String
    /// nil for an anonymous section (`config type` without a name).
    public var name: String?
    public var options: [UCIOption]

    public init(type: String, name: String?, options: [UCIOption] = []) {
        self.type = type
        self.name = name
        self.options = options
    }

    public subscript(option: String) -> String? {
        guard let o = options.first(where: { $0.name == option }) else { return nil }
        switch o.value {
        case .string(let s): return s
        case .list(let l): return l.joined(separator: " ")
        }
    }

    /// All values of a list option (a plain option yields one item, a missing one none).
    public func list(_ option: String) -> [String] {
        options.first(where: { $0.name == option })?.value.items ?? []
    }

    /// A list's values, or an option's space-separated words: how netifd and fw4 read
    /// `list allowed_ips` and `option allowed_ips '10.0.0.0/8 fd00::/8'` alike.
    public func words(_ option: String) -> [String] {
        list(option).flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
    }

    /// A boolean option as OpenWrt's shell (`config_get_bool`) reads it: 1, on, true, yes, enabled.
    public func isTrue(_ option: String) -> Bool {
        guard let v = self[option] else { return false }
        return ["1", "on", "true", "yes", "enabled"].contains(v.lowercased())
    }

    public func has(_ option: String) -> Bool {
        options.contains(where: { $0.name == option })
    }
}

public struct UCIPackage: Equatable, Sendable {
    public var sections: [UCISection]

    public init(sections: [UCISection] = []) {
        self.sections = sections
    }

    public func sections(ofType type: String) -> [UCISection] {
        sections.filter { $0.type == type }
    }

    public func section(named name: String) -> UCISection? {
        sections.first(where: { $0.name == name })
    }

    public func index(ofSectionNamed name: String) -> Int? {
        sections.firstIndex(where: { $0.name == name })
    }

    /// The name `uci show` prints for a section: its own name, or `@type[i]` for an anonymous one.
    public func displayName(ofSectionAt index: Int) -> String {
        let s = sections[index]
        if let n = s.name { return n }
        let i = sections[..<index].filter { $0.type == s.type }.count
        return "@\(s.type)[\(i)]"
    }

    /// Resolves `name` or `@type[i]` (negative i counts from the end), as libuci's extended lookup does.
    public func index(of reference: String) -> Int? {
        guard reference.hasPrefix("@") else { return index(ofSectionNamed: reference) }
        guard let open = reference.firstIndex(of: "["), reference.hasSuffix("]") else { return nil }
        let type = String(reference[reference.index(after: reference.startIndex)..<open])
        let numText = reference[reference.index(after: open)..<reference.index(before: reference.endIndex)]
        guard var n = Int(numText) else { return nil }
        let matching = sections.indices.filter { type.isEmpty || sections[$0].type == type }
        if n < 0 { n += matching.count }
        guard n >= 0, n < matching.count else { return nil }
        return matching[n]
    }
}
