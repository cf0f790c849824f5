import Testing
@testable import UCI

/// The grammar as libuci's file backend reads it (strict mode), case by case.
@Suite struct ParserGrammarTests {
    func load(_ text: String) throws -> UCIPackage { try UCIDocument(text: text).package }

    func value(_ text: String, _ option: String = "v") throws -> String? {
        try load("config t 's'\n" + text).section(named: "s")?[option]
    }

    func parseError(_ text: String) -> UCIParseError? {
        do { _ = try UCIDocument(text: text); return nil } catch { return error }
    }

    @Test func basicSectionsOptionsAndLists() throws {
        let p = try load("""

        config interface 'lan'
        \toption proto 'static'
        \tlist dns '1.1.1.1'
        \tlist dns '9.9.9.9'

        config device
        \toption name 'br-lan'
        """)
        #expect(p.sections.count == 2)
        #expect(p.section(named: "lan")?["proto"] == "static")
        #expect(p.section(named: "lan")?.list("dns") == ["1.1.1.1", "9.9.9.9"])
        #expect(p.sections[1].name == nil)
        #expect(p.displayName(ofSectionAt: 1) == "@device[0]")
        #expect(p.index(of: "@device[0]") == 1)
        #expect(p.index(of: "@device[-1]") == 1)
        #expect(p.index(of: "@interface[0]") == 0)
    }

    @Test func quotingStyles() throws {
        #expect(try value("option v 'single \"quoted\"'") == "single \"quoted\"")
        #expect(try value("option v \"double 'quoted'\"") == "double 'quoted'")
        #expect(try value("option v bare") == "bare")
        #expect(try value("option v 'it'\\''s'") == "it's")
        #expect(try value("option v 'ab'\"cd\"ef") == "abcdef")
        #expect(try value("option v \"a\\\"b\"") == "a\"b")
        #expect(try value("option v \"a\\\\b\"") == "a\\b")
        // libuci does not decode escapes: backslash-n is just n
        #expect(try value("option v \"a\\nb\"") == "anb")
        #expect(try value("option v 'a\\nb'") == "a\\nb")
        #expect(try value("option v a\\ b") == "a b")
        #expect(try value("option v \"\"") == nil) // empty value sets nothing
    }

    @Test func valuesSpanningLines() throws {
        #expect(try value("option v 'line one\nline two'\n") == "line one\nline two")
        #expect(try value("option v \"first\nsecond\"\n") == "first\nsecond")
        // a trailing backslash joins the next line (the newline itself is dropped)
        #expect(try value("option v abc\\\ndef\n") == "abcdef")
        #expect(try value("option v \"abc\\\ndef\"\n") == "abcdef")
        #expect(try value("option v abc\\\r\ndef\n") == "abcdef")
    }

    @Test func semicolonsSeparateStatements() throws {
        let p = try load("config t 's'; option a 'x'; option b \"y\"\n")
        #expect(p.section(named: "s")?["a"] == "x")
        #expect(p.section(named: "s")?["b"] == "y")
        // libuci's NUL for a bare word lands on the `;`: the rest of the line is lost
        let q = try load("config t 's'\noption a x;option b y\n")
        #expect(q.section(named: "s")?["a"] == "x")
        #expect(q.section(named: "s")?["b"] == nil)
        let r = try load("config t 's'\noption a x ;option b y\n")
        #expect(r.section(named: "s")?["b"] == "y")
        // after a config with only a type, `;` then another command is one argument too many
        #expect(parseError("config t ; option a b\n")?.reason == "too many arguments")
        // a `;` ending a line: strtok hands libuci the newline as the next command word
        #expect(parseError("config t 's';\n")?.reason == "invalid command")
        #expect(try load("config t 's';").section(named: "s") != nil)
    }

    @Test func comments() throws {
        let p = try load("# leading\nconfig t 's' # trailing\n\t# indented\n\toption a 'x' # note\n\toption b y#z\n")
        #expect(p.section(named: "s")?["a"] == "x")
        #expect(p.section(named: "s")?["b"] == "y")
        #expect(try value("option v 'has # inside'") == "has # inside")
    }

    @Test func abbreviatedCommandsAndPackageLine() throws {
        let p = try load("package network\nc interface 'lan'\n\to proto static\n\tl dns 1.1.1.1\n")
        #expect(p.section(named: "lan")?["proto"] == "static")
        #expect(p.section(named: "lan")?.list("dns") == ["1.1.1.1"])
    }

    @Test func repeatedNamedSectionMergesIntoTheFirst() throws {
        let p = try load("config t 'a'\n\toption x '1'\nconfig t 'b'\nconfig t 'a'\n\toption y '2'\n")
        #expect(p.sections.count == 2)
        #expect(p.section(named: "a")?.options.map(\.name) == ["x", "y"])
        #expect(parseError("config t 'a'\nconfig u 'a'\n")?.reason == "section of different type overwrites prior section with same name")
    }

    @Test func optionAndListOverrides() throws {
        // setting an option again replaces it and moves it last; the same value keeps its place
        let p = try load("config t 's'\n\toption a '1'\n\toption b '2'\n\toption a '3'\n")
        #expect(p.section(named: "s")?.options == [UCIOption("b", "2"), UCIOption("a", "3")])
        let same = try load("config t 's'\n\toption a '1'\n\toption b '2'\n\toption a '1'\n")
        #expect(same.section(named: "s")?.options.map(\.name) == ["a", "b"])
        // a list after an option turns it into a list; an option after a list replaces it
        let l = try load("config t 's'\n\toption a '1'\n\tlist a '2'\n")
        #expect(l.section(named: "s")?.options == [UCIOption("a", list: ["1", "2"])])
        let o = try load("config t 's'\n\tlist a '1'\n\toption a '2'\n")
        #expect(o.section(named: "s")?.options == [UCIOption("a", "2")])
        // an empty option value changes nothing
        let e = try load("config t 's'\n\toption a '1'\n\toption a ''\n")
        #expect(e.section(named: "s")?["a"] == "1")
        let el = try load("config t 's'\n\tlist a ''\n")
        #expect(el.section(named: "s")?.list("a") == [""])
    }

    @Test func errorsCarryLineAndReason() {
        #expect(parseError("config t 's'\n\tfoo bar\n") == UCIParseError(line: 2, column: 2, reason: "invalid command"))
        #expect(parseError("option a b\n")?.reason == "option/list command found before the first section")
        #expect(parseError("config interface 'wan-1'\n")?.reason == "invalid character in name field")
        #expect(parseError("config 'my type' x\n")?.reason == "invalid character in type field")
        #expect(parseError("config t 's'\n\toption a b c\n")?.reason == "too many arguments")
        #expect(parseError("config t 's'\n\toption 'bad-name' x\n")?.reason == "invalid character in name field")
        #expect(parseError("config t 's'\n\toption a 'open\n") == UCIParseError(line: 2, column: 16, reason: "EOF with unterminated '"))
        #expect(parseError("config t 's'\n\toption a \"open\n")?.reason == "EOF with unterminated \"")
        #expect(parseError("config t 's'\n\toption\n")?.reason == "invalid command")
        #expect(parseError("config t 's'\n\toption \n")?.reason == "insufficient arguments")
        #expect(parseError("config\n")?.reason == "invalid command")
        #expect(parseError("config")?.reason == "config without name")
        #expect(parseError("configure t\n")?.reason == "invalid command")
        #expect(parseError("config t 's'\n\u{0}\n")?.reason == "NUL byte in file")
        #expect(parseError("\n\n\nconfig t 's'\n\toption a b c\n")?.line == 5)
    }

    @Test func acceptsEmptyAndWhitespaceFiles() throws {
        #expect(try load("").sections.isEmpty)
        #expect(try load("\n\n  \t\n# only a comment").sections.isEmpty)
        #expect(try load("config t").sections.count == 1)
        #expect(try load("config t 's'\r\n\toption a 'b'\r\n").section(named: "s")?["a"] == "b")
    }

    @Test func statementRangesPointAtTheSource() throws {
        let text = "\nconfig t 's'\n\toption a 'x' # c\n\tlist l \"y\"\n"
        let doc = try UCIDocument(text: text)
        let bytes = Array(text.utf8)
        let slices = doc.statements.map { String(decoding: bytes[$0.range], as: UTF8.self) }
        #expect(slices == ["config t 's'", "option a 'x'", "list l \"y\""])
    }
}
