#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing

/// Replays the seed corpus and every input that ever crashed a fuzz target (fuzz/regressions)
/// through the same checks the fuzzers run (the target files are compiled in here too).
@Suite struct FuzzRegressionTests {
    static let repo: String = {
        var p = #filePath
        for _ in 0..<3 { p = String(p[..<p.lastIndex(of: "/")!]) }
        return p
    }()

    static let checks: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("uci", UCIFuzz.check), ("settings", SettingsFuzz.check), ("gossip", GossipFuzz.check), ("rpcd", RPCDFuzz.check),
        ("wgdump", WGDumpFuzz.check), ("ipjson", IPJSONFuzz.check), ("state", StateFuzz.check),
        ("icmp", ICMPFuzz.check),
    ]

    static func files(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if !name.hasPrefix(".") { out.append(dir + "/" + name) }
        }
        return out.sorted()
    }

    static func read(_ path: String) -> [UInt8] {
        guard let f = fopen(path, "r") else { return [] }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    @Test(arguments: checks.map(\.0))
    func replay(_ target: String) {
        let check = Self.checks.first { $0.0 == target }!.1
        let inputs = Self.files(Self.repo + "/fuzz/corpus/" + target) + Self.files(Self.repo + "/fuzz/regressions/" + target)
        #expect(!inputs.isEmpty)
        for path in inputs { check(Self.read(path)) }
    }
}
