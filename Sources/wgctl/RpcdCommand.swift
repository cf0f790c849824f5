import ArgumentParser
import Glibc
import UplinkApp
import UplinkCore

/// The rpcd exec plugin protocol: `wgctl rpcd list`, `wgctl rpcd call METHOD` (JSON on stdin).
struct RpcdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpcd",
        abstract: "rpcd plugin luci.wireguard-dashboard (installed as /usr/libexec/rpcd/luci.wireguard-dashboard).")

    @Option(name: .long, help: .hidden) var root: String?
    @Argument(help: "list | call") var verb: String
    @Argument(help: "Method name for call.") var method: String?

    func run() throws {
        switch verb {
        case "list":
            print(RPCD.list())
        case "call":
            let input = readStdin(limit: RPCD.maximumInput + 1)
            var common = Common()
            common.root = root
            print(RPCD.call(method ?? "", input: input, service: common.service))
        default:
            print(JSON.serialize(ResultJSON.error(UplinkError(.unknownMethod, "usage: wgctl rpcd list | wgctl rpcd call METHOD"))))
        }
    }

    func readStdin(limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16384)
        while out.count < limit {
            let n = buf.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }
}
