/// A UCI file as bytes plus what libuci makes of them: the package model and, for every
/// section, the statements (with their byte ranges) that built it. Edits work from here.
public struct UCIDocument: Sendable {
    public let bytes: [UInt8]
    public let statements: [UCIStatement]
    public let package: UCIPackage
    /// For each section of `package`, indexes into `statements` in file order: its `config`
    /// header(s) (a repeated named section has several) and every option/list statement.
    public let sectionStatements: [[Int]]
    let lines: LineTable

    public init(bytes: [UInt8]) throws(UCIParseError) {
        self.bytes = bytes
        self.statements = try UCIParser.parse(bytes)
        self.lines = LineTable(bytes)
        var sections: [UCISection] = []
        var members: [[Int]] = []
        var byName: [String: Int] = [:]
        var current = -1
        for (i, st) in statements.enumerated() {
            switch st.command {
            case .package:
                continue
            case .config(let type, let name):
                if let name, let existing = byName[name] {
                    current = existing
                } else {
                    sections.append(UCISection(type: type, name: name))
                    members.append([])
                    current = sections.count - 1
                    if let name { byName[name] = current }
                }
                members[current].append(i)
            case .option(let name, let value):
                members[current].append(i)
                Self.applyOption(&sections[current], name: name, value: value)
            case .list(let name, let value):
                members[current].append(i)
                Self.applyList(&sections[current], name: name, value: value)
            }
        }
        self.package = UCIPackage(sections: sections)
        self.sectionStatements = members
    }

    public init(text: String) throws(UCIParseError) {
        try self.init(bytes: Array(text.utf8))
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// libuci's `uci_set` while parsing: an empty value changes nothing, an unchanged string
    /// stays in place, anything else replaces the option and moves it to the end.
    static func applyOption(_ s: inout UCISection, name: String, value: String) {
        if value.isEmpty { return }
        if let i = s.options.firstIndex(where: { $0.name == name }) {
            if s.options[i].value == .string(value) { return }
            s.options.remove(at: i)
        }
        s.options.append(UCIOption(name, value))
    }

    /// libuci's `uci_add_list`: appends to a list; a string option becomes a list (moved to the end).
    static func applyList(_ s: inout UCISection, name: String, value: String) {
        if let i = s.options.firstIndex(where: { $0.name == name }) {
            switch s.options[i].value {
            case .list(var items):
                items.append(value)
                s.options[i].value = .list(items)
                return
            case .string(let old):
                s.options.remove(at: i)
                s.options.append(UCIOption(name, list: [old, value]))
                return
            }
        }
        s.options.append(UCIOption(name, list: [value]))
    }

    /// Byte range from a section's first `config` statement to the end of its last statement.
    public func span(ofSection index: Int) -> Range<Int> {
        let idx = sectionStatements[index]
        return statements[idx.first!].range.lowerBound..<statements[idx.last!].range.upperBound
    }

    /// True when the section's statements form one contiguous run in the file (the usual case).
    public func isContiguous(section index: Int) -> Bool {
        let idx = sectionStatements[index]
        guard let first = idx.first, let last = idx.last else { return true }
        return last - first + 1 == idx.count
    }

    public func line(ofOffset offset: Int) -> Int { lines.position(of: offset).line }
}
