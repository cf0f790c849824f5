#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UCI
import UplinkApp
import UplinkCore
import UplinkSystem

/// A copy of a fixture router under a temporary root, removed when the test ends.
final class FixtureRoot {
    let root: String
    var paths: Paths { Paths(root: root) }
    var service: UplinkService { UplinkService(paths: paths) }

    static let repo: String = {
        var p = #filePath
        for _ in 0..<3 { p = Files.dirname(p) }
        return p
    }()

    static var fixtures: String { repo + "/Tests/Fixtures" }

    init(_ fixture: String = "gateway", withSettings: Bool = true) throws {
        var template = Array("/tmp/wgu-test-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw UplinkError(.ioError, "mkdtemp failed")
        }
        root = String(cString: template)
        let r = try Command.run("cp", ["-a", "\(Self.fixtures)/\(fixture)/etc", root + "/"])
        guard r.ok else { throw UplinkError(.ioError, "copy failed: \(r.errorText)") }
        if withSettings {
            let r2 = try Command.run("cp", [Self.repo + "/uci/wireguard-uplink", root + "/etc/config/wireguard-uplink"])
            guard r2.ok else { throw UplinkError(.ioError, "copy failed") }
        }
    }

    deinit { _ = try? Command.run("rm", ["-rf", root]) }

    func config(_ pkg: String) -> String { root + "/etc/config/" + pkg }

    func bytes(_ pkg: String) -> [UInt8]? { (try? Files.read(config(pkg))).flatMap { $0 } }

    func text(_ pkg: String) -> String { String(decoding: bytes(pkg) ?? [], as: UTF8.self) }

    func package(_ pkg: String) throws -> UCIPackage { try UCIDocument(bytes: bytes(pkg) ?? []).package }

    func original(_ pkg: String) -> [UInt8]? {
        if pkg == "wireguard-uplink" { return (try? Files.read(Self.repo + "/uci/wireguard-uplink")).flatMap { $0 } }
        return (try? Files.read("\(Self.fixtures)/gateway/etc/config/\(pkg)")).flatMap { $0 }
    }

    /// Snapshot of every file under etc/ (bytes and mtime) to prove nothing was touched.
    func snapshot() -> [String: ([UInt8], Int, Int)] {
        var out: [String: ([UInt8], Int, Int)] = [:]
        for p in ["network", "mwan3", "firewall", "wireless", "wireguard-uplink"] {
            if let b = bytes(p), let m = Files.mtime(config(p)) { out[p] = (b, m.0, m.1) }
        }
        return out
    }

    static func sameSnapshot(_ a: [String: ([UInt8], Int, Int)], _ b: [String: ([UInt8], Int, Int)]) -> Bool {
        a.count == b.count && a.allSatisfy { k, v in
            guard let w = b[k] else { return false }
            return v.0 == w.0 && v.1 == w.1 && v.2 == w.2
        }
    }
}

/// The built `wgctl` (WGCTL_BIN overrides).
enum Wgctl {
    static var path: String {
        if let env = getenv("WGCTL_BIN") { return String(cString: env) }
        for c in [".build/debug/wgctl", ".build/release/wgctl"] where Files.exists(FixtureRoot.repo + "/" + c) {
            return FixtureRoot.repo + "/" + c
        }
        return FixtureRoot.repo + "/.build/debug/wgctl"
    }

    static func run(_ args: [String], stdin: String = "", timeout: Double = 60) throws -> CommandResult {
        try Command.run(path, args, stdin: Array(stdin.utf8), timeout: timeout)
    }
}

enum Sample {
    static let providerKey = try! WireGuardKey(base64: "HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=")
    static let otherKey = try! WireGuardKey(base64: "u5Q0s8Ff3nZr0JXo1rJmXq5y2b1Wc7h0qA9Ld3eVt1E=")

    static func request(_ peer: String, host: String = "169.254.42.2", port: Int = 51900, address: String = "10.200.1.2/32",
                        priority: Int? = nil) -> AddRequest {
        AddRequest(peer: try! PeerID(validating: peer), endpoint: Endpoint(host: host, port: port), publicKey: providerKey,
                   addresses: [IPPrefix(address)!], priority: priority)
    }
}

extension RuntimeStateStore {
    /// A test's fixture state, written as any writer writes it: under the state lock.
    func replace(_ new: RuntimeState) throws {
        try update { state, _ in state = new }
    }
}

enum Privilege {
    /// Whether a test that needs root can run. Without root it fails, unless LAB_REQUIRED is
    /// not 1 (a developer's `swift test`, or `LAB_REQUIRED=0 scripts/test`), and then it says
    /// loudly what it skipped.
    static func rootOrSkip(_ what: String) -> Bool {
        if getuid() == 0 { return true }
        if getenv("LAB_REQUIRED").map({ String(cString: $0) }) == "1" {
            Issue.record("\(what) needs root: run as root, or LAB_REQUIRED=0 to allow skipping it")
        } else {
            print("SKIPPED \(what): not root (LAB_REQUIRED is not 1)")
        }
        return false
    }
}
