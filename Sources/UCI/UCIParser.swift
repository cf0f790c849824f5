/// A parser that reads UCI files exactly as libuci's file backend does (strict mode, one
/// package per file): the same tokenizer quirks, the same statements accepted and rejected.
///
/// libuci tokenizes in place inside a line buffer: it copies unquoted characters backwards,
/// overwrites `#`, `;` and the delimiter after a command word with NUL bytes, and appends a
/// following physical line when a quote or a trailing backslash continues a value. Those
/// writes are observable (for example `option a b;option c d` drops the second statement,
/// because the NUL terminating `b` lands on the `;`), so this parser replays the same buffer
/// operations instead of using a grammar. Each statement also records the byte range it
/// occupies in the file, which is what the byte-preserving editor works from.

public struct UCIStatement: Equatable, Sendable {
    public enum Command: Equatable, Sendable {
        case package(name: String)
        case config(type: String, name: String?)
        case option(name: String, value: String)
        case list(name: String, value: String)
    }

    public var command: Command
    /// File byte offsets: from the first byte of the command word to the byte after its last argument.
    public var range: Range<Int>
}

public struct UCIParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based line of the file where libuci stops.
    public var line: Int
    /// 1-based column within that line.
    public var column: Int
    /// libuci's own wording of the reason.
    public var reason: String

    public var description: String { "line \(line), column \(column): \(reason)" }
}

public enum UCIParser {
    /// Largest file the parser accepts; OpenWrt configs are kilobytes.
    public static let maximumFileSize = 4 * 1024 * 1024

    public static func parse(_ bytes: [UInt8]) throws(UCIParseError) -> [UCIStatement] {
        if bytes.count > maximumFileSize {
            throw UCIParseError(line: 1, column: 1, reason: "file larger than \(maximumFileSize) bytes")
        }
        if let nul = bytes.firstIndex(of: 0) {
            let (line, column) = LineTable(bytes).position(of: nul)
            throw UCIParseError(line: line, column: column, reason: "NUL byte in file")
        }
        var scanner = LineScanner(source: bytes)
        do {
            try scanner.run()
        } catch let failure {
            let (line, column) = LineTable(bytes).position(of: failure.offset)
            throw UCIParseError(line: line, column: column, reason: failure.reason)
        }
        return scanner.statements
    }
}

/// Maps byte offsets to 1-based line and column numbers.
public struct LineTable: Sendable {
    private var starts: [Int] = [0]

    public init(_ bytes: [UInt8]) {
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
    }

    public func position(of offset: Int) -> (line: Int, column: Int) {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, offset - starts[lo] + 1)
    }

    public func lineStart(of offset: Int) -> Int { starts[position(of: offset).line - 1] }
}

private struct ScanFailure: Error {
    var offset: Int
    var reason: String
}

private let NUL: UInt8 = 0
private let TAB: UInt8 = 0x09
private let LF: UInt8 = 0x0A
private let CR: UInt8 = 0x0D
private let SPACE: UInt8 = 0x20
private let DQUOTE: UInt8 = 0x22
private let HASH: UInt8 = 0x23
private let SQUOTE: UInt8 = 0x27
private let SEMICOLON: UInt8 = 0x3B
private let BACKSLASH: UInt8 = 0x5C

@inline(__always) private func isCSpace(_ c: UInt8) -> Bool {
    c == SPACE || (c >= 0x09 && c <= 0x0D)
}

@inline(__always) private func isCAlnum(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
}

/// libuci's `uci_validate_str`: names are `[A-Za-z0-9_]+` (package names may add `-`),
/// types are any printable ASCII without space.
func uciValidate(_ s: some Collection<UInt8>, name: Bool, package: Bool) -> Bool {
    if s.isEmpty { return false }
    for c in s {
        if isCAlnum(c) || c == 0x5F { continue }
        if c == 0x2D && package { continue }
        if name || c < 33 || c > 126 { return false }
    }
    return true
}

private struct LineScanner {
    let source: [UInt8]
    /// Next unread byte of the file.
    var cursor = 0
    /// The working buffer (one logical line); `map[i]` is the file offset buffer byte i came from.
    var buf: [UInt8] = []
    var map: [Int] = []
    /// libuci's `buf_filled`: it is not lowered when a read hits end of file.
    var filled = 0
    var pos = 0
    var statements: [UCIStatement] = []
    var haveSection = false
    var sectionTypes: [String: String] = [:]

    init(source: [UInt8]) { self.source = source }

    @inline(__always) func at(_ i: Int) -> UInt8 { i < buf.count ? buf[i] : NUL }
    @inline(__always) var cur: UInt8 { at(pos) }
    func fileOffset(_ i: Int) -> Int { i < map.count ? map[i] : cursor }

    mutating func setByte(_ i: Int, _ value: UInt8) {
        if i < buf.count { buf[i] = value }
    }

    func fail(_ reason: String, at i: Int? = nil) -> ScanFailure {
        ScanFailure(offset: min(fileOffset(i ?? pos), max(source.count - 1, 0)), reason: reason)
    }

    /// `uci_getln`: the next physical line replaces the buffer from `offset` on.
    mutating func getln(at offset: Int) {
        guard cursor < source.count else {
            setByte(offset, NUL)
            return
        }
        if offset < buf.count {
            buf.removeSubrange(offset...)
            map.removeSubrange(offset...)
        }
        var end = cursor
        while end < source.count && source[end] != LF { end += 1 }
        if end < source.count { end += 1 }
        buf.append(contentsOf: source[cursor..<end])
        map.append(contentsOf: cursor..<end)
        cursor = end
        filled = buf.count
    }

    mutating func run() throws(ScanFailure) {
        while cursor < source.count {
            pos = 0
            buf.removeAll(keepingCapacity: true)
            map.removeAll(keepingCapacity: true)
            filled = 0
            getln(at: 0)
            if at(0) != NUL { try parseLine() }
        }
    }

    mutating func skipWhitespace() {
        while cur != NUL && isCSpace(cur) { pos += 1 }
    }

    /// `parse_backslash`: true when the escaped byte is to be taken literally.
    mutating func parseBackslash() -> Bool {
        pos += 1
        if cur == NUL || cur == LF || (cur == CR && at(pos + 1) == LF && at(pos + 2) == NUL) {
            getln(at: pos)
            return false
        }
        return true
    }

    @inline(__always) mutating func addc(_ target: inout Int) {
        setByte(target, buf[pos])
        target += 1
        pos += 1
    }

    mutating func parseDoubleQuote(_ target: inout Int) throws(ScanFailure) {
        pos += 1
        while true {
            switch cur {
            case DQUOTE:
                pos += 1
                return
            case NUL:
                getln(at: pos)
                if cur == NUL { throw fail("EOF with unterminated \"") }
            case BACKSLASH:
                if !parseBackslash() { continue }
                addc(&target)
            default:
                addc(&target)
            }
        }
    }

    mutating func parseSingleQuote(_ target: inout Int) throws(ScanFailure) {
        pos += 1
        while true {
            switch cur {
            case SQUOTE:
                pos += 1
                return
            case NUL:
                getln(at: pos)
                if cur == NUL { throw fail("EOF with unterminated '") }
            default:
                addc(&target)
            }
        }
    }

    /// `parse_str`; returns the file offset where the argument's text ends.
    mutating func parseStr(_ target: inout Int) throws(ScanFailure) -> Int {
        var next = true
        scan: repeat {
            switch cur {
            case SQUOTE:
                try parseSingleQuote(&target)
            case DQUOTE:
                try parseDoubleQuote(&target)
            case HASH:
                setByte(pos, NUL)
                break scan
            case NUL:
                break scan
            case SEMICOLON:
                next = false
                break scan
            case BACKSLASH:
                if !parseBackslash() { continue scan }
                addc(&target)
            default:
                addc(&target)
            }
        } while cur != NUL && !isCSpace(cur)
        let end = fileOffset(pos)
        if cur != NUL && next { pos += 1 }
        setByte(target, NUL)
        return end
    }

    /// `next_arg`: the argument's bytes and where its text ends in the file (nil when empty).
    mutating func nextArg(required: Bool, name: Bool, package: Bool) throws(ScanFailure) -> (bytes: ArraySlice<UInt8>, end: Int?) {
        skipWhitespace()
        let val = pos
        var target = pos
        var end: Int? = nil
        if cur == SEMICOLON {
            setByte(pos, NUL)
            pos += 1
        } else {
            end = try parseStr(&target)
        }
        if at(val) == NUL {
            if required { throw fail("insufficient arguments") }
            return ([], nil)
        }
        var stop = val
        while at(stop) != NUL { stop += 1 }
        let bytes = buf[val..<stop]
        if name && !uciValidate(bytes, name: true, package: package) {
            throw fail("invalid character in name field", at: val)
        }
        return (bytes, end)
    }

    /// `assert_eol` in strict mode.
    mutating func assertEOL() throws(ScanFailure) {
        skipWhitespace()
        let start = pos
        let extra = try nextArg(required: false, name: false, package: false)
        if !extra.bytes.isEmpty { throw fail("too many arguments", at: start) }
    }

    /// `uci_increase_pos` past the NUL-terminated command word.
    mutating func skipCommandWord(_ reason: String) throws(ScanFailure) {
        var len = 0
        while at(pos + len) != NUL { len += 1 }
        if pos + len + 1 > filled { throw fail(reason) }
        pos += len + 1
    }

    mutating func parseLine() throws(ScanFailure) {
        skipWhitespace()
        while true {
            // strtok(cur, " \t"): skip delimiters, cut the word at the next one.
            var i = pos
            while at(i) == SPACE || at(i) == TAB { i += 1 }
            if at(i) == NUL { return }
            let wordStart = i
            var j = i
            while at(j) != NUL && at(j) != SPACE && at(j) != TAB { j += 1 }
            let word = Array(buf[wordStart..<j])
            if at(j) != NUL { setByte(j, NUL) }
            let start = fileOffset(wordStart)
            let wordEnd = fileOffset(j)

            func matches(_ full: String) -> Bool {
                word.count == 1 || word.elementsEqual(full.utf8)
            }
            switch word[0] {
            case HASH:
                return
            case UInt8(ascii: "p") where matches("package"):
                try parsePackage(start: start, wordEnd: wordEnd)
            case UInt8(ascii: "c") where matches("config"):
                try parseConfig(start: start, wordEnd: wordEnd)
            case UInt8(ascii: "o") where matches("option"):
                try parseOption(list: false, start: start, wordEnd: wordEnd)
            case UInt8(ascii: "l") where matches("list"):
                try parseOption(list: true, start: start, wordEnd: wordEnd)
            default:
                throw fail("invalid command", at: wordStart)
            }
        }
    }

    mutating func parsePackage(start: Int, wordEnd: Int) throws(ScanFailure) {
        try skipCommandWord("package without name")
        let name = try nextArg(required: true, name: true, package: true)
        try assertEOL()
        // A single-package file load validates and then ignores the statement.
        statements.append(UCIStatement(command: .package(name: string(name.bytes)), range: start..<(name.end ?? wordEnd)))
    }

    mutating func parseConfig(start: Int, wordEnd: Int) throws(ScanFailure) {
        try skipCommandWord("config without name")
        let typeArg = try nextArg(required: true, name: false, package: false)
        if !uciValidate(typeArg.bytes, name: false, package: false) {
            throw fail("invalid character in type field")
        }
        let nameArg = try nextArg(required: false, name: true, package: false)
        try assertEOL()
        let type = string(typeArg.bytes)
        let name: String? = nameArg.bytes.isEmpty ? nil : string(nameArg.bytes)
        if let name {
            if let prior = sectionTypes[name], prior != type {
                throw fail("section of different type overwrites prior section with same name")
            }
            sectionTypes[name] = type
        }
        haveSection = true
        let end = nameArg.end ?? typeArg.end ?? wordEnd
        statements.append(UCIStatement(command: .config(type: type, name: name), range: start..<end))
    }

    mutating func parseOption(list: Bool, start: Int, wordEnd: Int) throws(ScanFailure) {
        if !haveSection { throw fail("option/list command found before the first section") }
        try skipCommandWord("option without name")
        let nameArg = try nextArg(required: true, name: true, package: false)
        let valueArg = try nextArg(required: false, name: false, package: false)
        try assertEOL()
        let name = string(nameArg.bytes)
        let value = string(valueArg.bytes)
        let end = valueArg.end ?? nameArg.end ?? wordEnd
        statements.append(UCIStatement(command: list ? .list(name: name, value: value) : .option(name: name, value: value),
                                       range: start..<end))
    }

    func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
