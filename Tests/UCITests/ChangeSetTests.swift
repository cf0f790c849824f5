import Testing
@testable import UCI

/// Edits touch only their statements; everything else keeps its bytes.
@Suite struct ChangeSetTests {
    let policyFile = """
    # mwan3, hand edited
    config policy 'balanced'
    \tlist use_member 'wan_m1_w3'   # main line
    \tlist use_member 'wanb_m1_w3'

    # catch-all
    config rule 'default_rule_v4'
    \toption dest_ip '0.0.0.0/0'
    \toption use_policy 'balanced'

    """

    func apply(_ text: String, _ edit: (inout UCIChangeSet, UCIDocument) throws -> Void) throws -> String {
        let doc = try UCIDocument(text: text)
        var c = UCIChangeSet(doc)
        try edit(&c, doc)
        return String(decoding: try c.apply(), as: UTF8.self)
    }

    @Test func addAndRemoveListValueIsByteExact() throws {
        let added = try apply(policyFile) { c, _ in c.addListValue(section: 0, name: "use_member", value: "wu_x_m") }
        #expect(added.contains("\tlist use_member 'wanb_m1_w3'\n\tlist use_member 'wu_x_m'\n\n# catch-all"))
        let removed = try apply(added) { c, _ in c.removeListValue(section: 0, name: "use_member", value: "wu_x_m") }
        #expect(removed == policyFile)
    }

    /// A statement added at the end of a section while the next section (and the blank line
    /// before it) is deleted: both start at one offset, and the addition stays in its section.
    @Test func statementAddedWhereTheNextSectionIsDeleted() throws {
        let text = "config settings 'main'\n\toption a '1'\n\nconfig uplink 'x'\n\toption peer 'p'\n"
        for order in [true, false] {
            let out = try apply(text) { c, _ in
                if order { c.deleteSection(1) }
                c.addListValue(section: 0, name: "skip", value: "p")
                if !order { c.deleteSection(1) }
            }
            #expect(out == "config settings 'main'\n\toption a '1'\n\tlist skip 'p'\n")
        }
    }

    @Test func listValueWithoutTrailingNewline() throws {
        let text = "config policy 'p'\n\tlist use_member 'a'"
        let added = try apply(text) { c, _ in c.addListValue(section: 0, name: "use_member", value: "b") }
        #expect(added == "config policy 'p'\n\tlist use_member 'a'\n\tlist use_member 'b'")
        #expect(try apply(added) { c, _ in c.removeListValue(section: 0, name: "use_member", value: "b") } == text)
    }

    @Test func listValueIntoSectionSharingItsLine() throws {
        let text = "config policy 'p'; list use_member 'a'; config rule 'r'; option use_policy 'p'\n"
        let added = try apply(text) { c, _ in c.addListValue(section: 0, name: "use_member", value: "b") }
        let doc = try UCIDocument(text: added)
        #expect(doc.package.section(named: "p")?.list("use_member") == ["a", "b"])
        #expect(doc.package.section(named: "r")?["use_policy"] == "p")
        #expect(try apply(added) { c, _ in c.removeListValue(section: 0, name: "use_member", value: "b") } == text)
    }

    @Test func setAndDeleteOption() throws {
        let set = try apply(policyFile) { c, _ in c.setOption(section: 1, name: "use_policy", value: "wan_only") }
        #expect(set == policyFile.replacing("option use_policy 'balanced'", with: "option use_policy 'wan_only'"))
        let new = try apply(policyFile) { c, _ in c.setOption(section: 1, name: "family", value: "ipv4") }
        #expect(new.contains("\toption use_policy 'balanced'\n\toption family 'ipv4'\n"))
        let del = try apply(new) { c, _ in c.deleteOption(section: 1, name: "family") }
        #expect(del == policyFile)
    }

    @Test func deleteSectionKeepsNeighboursAndComments() throws {
        let text = "\nconfig a 'one'\n\toption x '1'\n\nconfig b 'two'\n\toption y '2'\n\n# keep me\nconfig c 'three'\n"
        let out = try apply(text) { c, _ in c.deleteSection(1) }
        #expect(out == "\nconfig a 'one'\n\toption x '1'\n\n# keep me\nconfig c 'three'\n")
    }

    @Test func insertBeforeGoesAboveTheLeadingComment() throws {
        let added = try apply(policyFile) { c, _ in
            c.insertSection(UCISection(type: "rule", name: "wu_e", options: [UCIOption("proto", "udp")]), before: 1)
        }
        #expect(added.contains("'wanb_m1_w3'\n\nconfig rule 'wu_e'\n\toption proto 'udp'\n\n# catch-all\nconfig rule 'default_rule_v4'"))
        let doc = try UCIDocument(text: added)
        let removed = try apply(added) { c, _ in c.deleteSection(doc.package.index(ofSectionNamed: "wu_e")!) }
        #expect(removed == policyFile)
    }

    @Test func replaceRewritesOnlyThatSection() throws {
        let out = try apply(policyFile) { c, _ in
            c.replaceSection(1, with: UCISection(type: "rule", name: "default_rule_v4", options: [UCIOption("use_policy", "x")]))
        }
        #expect(out.hasPrefix("# mwan3, hand edited\nconfig policy 'balanced'\n\tlist use_member 'wan_m1_w3'   # main line\n"))
        #expect(out.hasSuffix("# catch-all\nconfig rule 'default_rule_v4'\n\toption use_policy 'x'\n"))
    }

    @Test func overlappingEditsAreRefused() throws {
        let doc = try UCIDocument(text: policyFile)
        var c = UCIChangeSet(doc)
        c.deleteSection(1)
        c.setOption(section: 1, name: "use_policy", value: "x")
        #expect(throws: UCIChangeSet.ConflictError.self) { _ = try c.apply() }
    }

    @Test func renderedValuesAreQuotedSafely() throws {
        let hostile = "a'b\"c\\d; option evil 1 # x\nconfig x"
        let out = try apply("config t 's'\n") { c, _ in c.setOption(section: 0, name: "v", value: hostile) }
        let p = try UCIDocument(text: out).package
        #expect(p.sections.count == 1)
        #expect(p.section(named: "s")?["v"] == hostile)
        #expect(p.section(named: "s")?["evil"] == nil)
    }
}
