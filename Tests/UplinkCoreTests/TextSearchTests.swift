import Testing
import UplinkCore

/// UplinkCore's substring search and string-separator split, which stand in for the regex
/// module's (wgctl is built without it): the same answers, edge cases included.
@Suite struct TextSearchTests {
    @Test(arguments: [("wg show wg0 dump", "wg0", true), ("abc", "", true), ("", "", true), ("", "a", false),
                      ("aab", "ab", true), ("ab", "abc", false), ("caf\u{E9}", "e\u{301}", true), ("mwan3 ifdown", "ifup", false)])
    func contains(text: String, part: String, expected: Bool) {
        #expect(text.contains(part) == expected)
        #expect(text[...].contains(part[...]) == expected)
    }

    @Test func firstRangeIsTheFirstOccurrence() throws {
        let s = "a::b::c"
        let r = try #require(s.firstRange(of: "::"))
        #expect(s[..<r.lowerBound] == "a" && s[r.upperBound...] == "b::c")
        #expect(s.firstRange(of: ";") == nil)
        #expect(s.firstRange(of: "") == s.startIndex..<s.startIndex)
    }

    @Test(arguments: [
        ("fe80::1", "::", false, Int.max, ["fe80", "1"]),
        ("::1", "::", false, Int.max, ["", "1"]),
        ("::", "::", false, Int.max, ["", ""]),
        ("::", "::", true, Int.max, []),
        ("a, b,, c", ", ", true, Int.max, ["a", "b,", "c"]),
        ("k=v=w", "=", false, 1, ["k", "v=w"]),
        ("aaaa", "aa", false, Int.max, ["", "", ""]),
        ("no separator", "--", true, Int.max, ["no separator"]),
    ])
    func split(text: String, separator: String, omitting: Bool, maxSplits: Int, expected: [String]) {
        let got = text.split(separator: separator, maxSplits: maxSplits, omittingEmptySubsequences: omitting).map(String.init)
        #expect(got == expected)
    }

    @Test func replacingEveryOccurrence() {
        #expect("it's".replacing("'", with: "'\\''") == "it'\\''s")
        #expect("aaa".replacing("aa", with: "b") == "ba")
        #expect("none".replacing("x", with: "y") == "none")
        #expect("keep".replacing("", with: "y") == "keep")
    }
}
