#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// stdout/stderr helpers and the formatting of JSON values for people.
enum Output {
    static func out(_ s: String) {
        print(s)
    }

    static func err(_ s: String) {
        var line = s
        if !line.hasSuffix("\n") { line += "\n" }
        _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }

    static func json(_ v: JSONValue) {
        print(JSON.serialize(v, pretty: true))
    }

    static func text(_ v: JSONValue?) -> String {
        guard let v else { return "-" }
        switch v {
        case .null: return "-"
        case .string(let s): return s
        case .bool(let b): return b ? "yes" : "no"
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d ? String(Int64(d)) : String((d * 10).rounded() / 10)
        default: return JSON.serialize(v)
        }
    }

    static func ms(_ v: JSONValue?) -> String {
        guard let d = v?.doubleValue else { return "-" }
        return d < 10 ? "\((d * 10).rounded() / 10) ms" : "\(Int(d.rounded())) ms"
    }

    static func pct(_ v: JSONValue?) -> String {
        guard let d = v?.doubleValue else { return "-" }
        return "\(Int(d.rounded()))%"
    }

    static func age(since t: JSONValue?, now: Double) -> String {
        guard let t = t?.doubleValue, t > 0 else { return "-" }
        let s = Int(max(0, now - t))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        return "\(s / 3600)h"
    }
}
