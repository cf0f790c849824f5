#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkApp
import UplinkCore

/// The rpcd exec plugin protocol: `wgctl rpcd list`, `wgctl rpcd call METHOD` (JSON on stdin).
enum RpcdCommand {
    static let spec = CommandSpec(
        name: "rpcd",
        abstract: "rpcd plugin luci.wireguard-dashboard (installed as /usr/libexec/rpcd/luci.wireguard-dashboard).",
        arguments: [ArgumentSpec(name: "verb", help: "list | call"),
                    ArgumentSpec(name: "method", help: "Method name for call.", optional: true)],
        common: false, hidden: ["root"], run: run)

    static func run(_ p: ParsedCommand) throws {
        switch p.argument("verb") {
        case "list":
            print(RPCD.list())
        case "call":
            let input = readStdin(limit: RPCD.maximumInput + 1)
            print(RPCD.call(p.argument("method") ?? "", input: input, service: Common(p).service))
        default:
            print(JSON.serialize(ResultJSON.error(UplinkError(.unknownMethod, "usage: wgctl rpcd list | wgctl rpcd call METHOD"))))
        }
    }

    static func readStdin(limit: Int) -> [UInt8] {
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
