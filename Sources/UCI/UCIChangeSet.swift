/// Edits to a parsed UCI file, applied as byte splices so that every byte outside the
/// touched statements stays as it was, comments and odd formatting included.
///
/// Layout conventions, chosen so that an insertion followed by the matching deletion gives
/// back the original bytes: a new section is written with one blank line separating it from
/// its neighbour, a new statement on its own line, and a deletion removes whole lines plus
/// one adjacent blank line when the deleted text sat on lines of its own.
public struct UCIChangeSet: Sendable {
    public let document: UCIDocument
    private var splices: [Splice] = []

    struct Splice: Sendable {
        var range: Range<Int>
        var text: [UInt8]
        var order: Int
    }

    public struct ConflictError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ document: UCIDocument) {
        self.document = document
    }

    public var isEmpty: Bool { splices.isEmpty }

    private var bytes: [UInt8] { document.bytes }

    // MARK: sections

    public mutating func appendSection(_ s: UCISection) {
        let body = UCIRender.section(s)
        let text: String
        if bytes.isEmpty {
            text = body + "\n"
        } else if bytes.last == 0x0A {
            text = "\n" + body + "\n"
        } else {
            text = "\n\n" + body + "\n"
        }
        add(bytes.count..<bytes.count, text)
    }

    /// Inserts before section `index`, above the comment lines that lead into it.
    public mutating func insertSection(_ s: UCISection, before index: Int) {
        let first = document.statements[document.sectionStatements[index][0]].range.lowerBound
        let at = leadingCommentStart(lineStart(first))
        add(at..<at, UCIRender.section(s) + "\n\n")
    }

    /// Inserts after the last line of section `index`.
    public mutating func insertSection(_ s: UCISection, after index: Int) {
        let last = document.statements[document.sectionStatements[index].last!].range.upperBound
        let at = lineEnd(last)
        let prefix = (at == bytes.count && bytes.last != 0x0A) ? "\n" : ""
        add(at..<at, prefix + "\n" + UCIRender.section(s) + "\n")
    }

    public mutating func deleteSection(_ index: Int) {
        for block in blocks(ofSection: index) {
            add(removalRange(for: block, blankLine: true), "")
        }
    }

    /// Rewrites a section in place (our own sections only: their bytes are re-rendered).
    public mutating func replaceSection(_ index: Int, with s: UCISection) {
        let blocks = blocks(ofSection: index)
        add(blocks[0], UCIRender.section(s))
        for block in blocks.dropFirst() {
            add(removalRange(for: block, blankLine: true), "")
        }
    }

    // MARK: options

    public mutating func setOption(section: Int, name: String, value: String) {
        if value.isEmpty {
            deleteOption(section: section, name: name)
            return
        }
        let existing = statementIndexes(section: section) { cmdName($0) == name }
        let text = "option \(name) \(UCIRender.quote(value))"
        if let last = existing.last {
            for i in existing.dropLast() { add(removalRange(forStatement: i), "") }
            add(document.statements[last].range, text)
        } else {
            insertStatement(text, afterLastOf: section)
        }
    }

    public mutating func deleteOption(section: Int, name: String) {
        for i in statementIndexes(section: section, where: { cmdName($0) == name }) {
            add(removalRange(forStatement: i), "")
        }
    }

    public mutating func addListValue(section: Int, name: String, value: String) {
        insertStatement("list \(name) \(UCIRender.quote(value))", afterLastOf: section)
    }

    public mutating func removeListValue(section: Int, name: String, value: String) {
        let matches = statementIndexes(section: section) {
            if case .list(let n, let v) = $0, n == name, v == value { return true }
            return false
        }
        for i in matches { add(removalRange(forStatement: i), "") }
    }

    // MARK: result

    /// The edited file. Throws if two edits overlap or if the result would not load in libuci.
    public func apply() throws -> [UInt8] {
        if splices.isEmpty { return bytes }
        // at one offset, insertions go before a removal that starts there (a statement added at
        // the end of a section whose next section, with the blank line before it, is deleted)
        let sorted = splices.sorted {
            if $0.range.lowerBound != $1.range.lowerBound { return $0.range.lowerBound < $1.range.lowerBound }
            if $0.range.isEmpty != $1.range.isEmpty { return $0.range.isEmpty }
            return $0.order < $1.order
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + sorted.reduce(0) { $0 + $1.text.count })
        var at = 0
        for s in sorted {
            guard s.range.lowerBound >= at else {
                throw ConflictError(description: "overlapping edits at byte \(s.range.lowerBound)")
            }
            out.append(contentsOf: bytes[at..<s.range.lowerBound])
            out.append(contentsOf: s.text)
            at = s.range.upperBound
        }
        out.append(contentsOf: bytes[at...])
        _ = try UCIDocument(bytes: out)
        return out
    }

    // MARK: helpers

    private mutating func add(_ range: Range<Int>, _ text: String) {
        splices.append(Splice(range: range, text: Array(text.utf8), order: splices.count))
    }

    private func cmdName(_ c: UCIStatement.Command) -> String? {
        switch c {
        case .option(let n, _), .list(let n, _): return n
        default: return nil
        }
    }

    private func statementIndexes(section: Int, where match: (UCIStatement.Command) -> Bool) -> [Int] {
        document.sectionStatements[section].filter { match(document.statements[$0].command) }
    }

    /// Runs of consecutive statements of a section (a repeated named section has several).
    private func blocks(ofSection index: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var runStart = -1, prev = -2
        let st = document.statements
        for i in document.sectionStatements[index] {
            if i != prev + 1 {
                if runStart >= 0 { result.append(st[runStart].range.lowerBound..<st[prev].range.upperBound) }
                runStart = i
            }
            prev = i
        }
        if runStart >= 0 { result.append(st[runStart].range.lowerBound..<st[prev].range.upperBound) }
        return result
    }

    private mutating func insertStatement(_ text: String, afterLastOf section: Int) {
        let lastIndex = document.sectionStatements[section].last!
        let last = document.statements[lastIndex]
        if let next = statementStartingOnSameLine(after: lastIndex) {
            // Another statement follows on this line: insert before it, with a separator
            // that libuci honours (the quoted value keeps the `;` intact).
            add(next..<next, text + "; ")
            return
        }
        var indent = "\t"
        if case .config = last.command {} else {
            let ls = lineStart(last.range.lowerBound)
            indent = String(decoding: bytes[ls..<last.range.lowerBound], as: UTF8.self)
            if indent.contains(where: { $0 != " " && $0 != "\t" }) { indent = "\t" }
        }
        let at = lineEnd(last.range.upperBound)
        if at == bytes.count && bytes.last != 0x0A {
            add(at..<at, "\n" + indent + text)
        } else {
            add(at..<at, indent + text + "\n")
        }
    }

    private func statementStartingOnSameLine(after index: Int) -> Int? {
        let st = document.statements
        guard index + 1 < st.count else { return nil }
        let end = lineEnd(st[index].range.upperBound)
        let next = st[index + 1].range.lowerBound
        return next < end ? next : nil
    }

    private func removalRange(forStatement index: Int) -> Range<Int> {
        let r = document.statements[index].range
        let shared = statementStartingOnSameLine(after: index) != nil
        if !shared && onlyBlanks(lineStart(r.lowerBound)..<r.lowerBound) {
            return removalRange(for: r, blankLine: false)
        }
        // Shares its line: take the statement and the separator that follows (or precedes) it.
        var hi = r.upperBound
        while hi < bytes.count && isBlank(bytes[hi]) { hi += 1 }
        if hi < bytes.count && bytes[hi] == 0x3B {
            hi += 1
            while hi < bytes.count && isBlank(bytes[hi]) { hi += 1 }
            return r.lowerBound..<hi
        }
        var lo = r.lowerBound
        while lo > 0 && isBlank(bytes[lo - 1]) { lo -= 1 }
        if lo > 0 && bytes[lo - 1] == 0x3B { return (lo - 1)..<r.upperBound }
        return r
    }

    /// Whole lines holding `r` (when nothing else shares them), plus one adjacent blank line
    /// if `blankLine`; otherwise `r` and the separator around it.
    private func removalRange(for r: Range<Int>, blankLine: Bool) -> Range<Int> {
        let ls = lineStart(r.lowerBound)
        let le = lineEnd(r.upperBound)
        let laterStatement = document.statements.contains { $0.range.lowerBound >= r.upperBound && $0.range.lowerBound < le }
        guard onlyBlanks(ls..<r.lowerBound), !laterStatement else {
            var lo = r.lowerBound
            while lo > 0 && isBlank(bytes[lo - 1]) { lo -= 1 }
            if lo > 0 && bytes[lo - 1] == 0x3B { return (lo - 1)..<r.upperBound }
            return r
        }
        var lo = ls, hi = le
        if hi == bytes.count && (hi == 0 || bytes[hi - 1] != 0x0A) && lo > 0 {
            lo -= 1
        }
        guard blankLine else { return lo..<hi }
        if lo > 0 && bytes[lo - 1] == 0x0A {
            let prevStart = lineStart(lo - 1)
            if onlyBlanks(prevStart..<(lo - 1)) {
                return prevStart..<hi
            }
        }
        if hi < bytes.count {
            let nextEnd = lineEnd(hi)
            let content = hi..<(bytes[nextEnd - 1] == 0x0A ? nextEnd - 1 : nextEnd)
            if onlyBlanks(content) { return lo..<nextEnd }
        }
        return lo..<hi
    }

    private func leadingCommentStart(_ lineStartOffset: Int) -> Int {
        var start = lineStartOffset
        while start > 0 {
            let prev = lineStart(start - 1)
            var k = prev
            while k < start && isBlank(bytes[k]) { k += 1 }
            guard k < start, bytes[k] == 0x23 else { break }
            start = prev
        }
        return start
    }

    private func lineStart(_ offset: Int) -> Int {
        var i = min(offset, bytes.count)
        while i > 0 && bytes[i - 1] != 0x0A { i -= 1 }
        return i
    }

    /// Offset just after the newline that ends the line holding `offset` (or end of file).
    private func lineEnd(_ offset: Int) -> Int {
        var i = offset
        while i < bytes.count && bytes[i] != 0x0A { i += 1 }
        return i < bytes.count ? i + 1 : i
    }

    private func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    private func onlyBlanks(_ r: Range<Int>) -> Bool {
        r.allSatisfy { isBlank(bytes[$0]) }
    }
}
