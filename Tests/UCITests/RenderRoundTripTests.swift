import Testing
@testable import UCI

/// Generated packages survive render → parse unchanged, whatever their values hold.
@Suite struct RenderRoundTripTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
    }

    static let nameChars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
    static let valueChars = Array("abc XYZ 019 '\"\\;#\t\n-_/:.=$`!{}[]()") + ["é", "ü", "→"]

    static func randomName(_ r: inout Rng) -> String {
        String((0..<(1 + r.int(10))).map { _ in r.pick(nameChars) })
    }

    static func randomValue(_ r: inout Rng) -> String {
        String((0..<(1 + r.int(24))).map { _ in r.pick(valueChars) })
    }

    static func randomPackage(_ r: inout Rng) -> UCIPackage {
        var sections: [UCISection] = []
        var used = Set<String>()
        for _ in 0..<r.int(8) {
            let type = r.pick(["interface", "rule", "wireguard_wg0", "zone", "wireguard-uplink", "odd;type", "a#b", "q'x\"y"])
            var name: String? = nil
            if r.int(3) > 0 {
                var n = randomName(&r)
                while used.contains(n) { n += "x" }
                used.insert(n)
                name = n
            }
            var opts: [UCIOption] = []
            var optNames = Set<String>()
            for _ in 0..<r.int(6) {
                let n = randomName(&r)
                guard optNames.insert(n).inserted else { continue }
                if r.int(2) == 0 {
                    opts.append(UCIOption(n, randomValue(&r)))
                } else {
                    opts.append(UCIOption(n, list: (0..<(1 + r.int(3))).map { _ in randomValue(&r) }))
                }
            }
            sections.append(UCISection(type: type, name: name, options: opts))
        }
        return UCIPackage(sections: sections)
    }

    @Test(arguments: 0..<300)
    func renderThenParseIsIdentity(seed: Int) throws {
        var r = Rng(state: UInt64(seed) &* 0x9E3779B97F4A7C15 &+ 1)
        let p = Self.randomPackage(&r)
        let text = UCIRender.package(p)
        let parsed = try UCIDocument(text: text).package
        #expect(parsed == p, "\(text)")
    }

    @Test(arguments: 0..<200)
    func appendThenDeleteRestoresBytes(seed: Int) throws {
        var r = Rng(state: UInt64(seed) &+ 77)
        let base = Self.randomPackage(&r)
        var text = UCIRender.package(base)
        if r.int(4) == 0 { text = "# header comment\n" + text }
        if r.int(4) == 0 { text += "# trailing comment\n" }
        let original = try UCIDocument(text: text)
        let added = UCISection(type: "rule", name: "wu_test_e", options: [UCIOption("proto", "udp"), UCIOption("x", list: ["a", "b"])])

        var c = UCIChangeSet(original)
        let mode = r.int(3)
        if mode == 0 || original.package.sections.isEmpty {
            c.appendSection(added)
        } else if mode == 1 {
            c.insertSection(added, before: r.int(original.package.sections.count))
        } else {
            c.insertSection(added, after: r.int(original.package.sections.count))
        }
        let afterAdd = try UCIDocument(bytes: try c.apply())
        #expect(afterAdd.package.sections.count == base.sections.count + 1)
        let idx = afterAdd.package.index(ofSectionNamed: "wu_test_e")!
        var d = UCIChangeSet(afterAdd)
        d.deleteSection(idx)
        let restored = try d.apply()
        #expect(String(decoding: restored, as: UTF8.self) == text)
    }
}
