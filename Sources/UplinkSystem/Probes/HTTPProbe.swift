import CCurlShim
import UplinkCore

/// An HTTP(S) request through one device with libcurl (`CURLOPT_INTERFACE "if!dev"`), the
/// host name pinned to an address already resolved through that same path.
public enum HTTPProbe {
    public struct Result: Sendable {
        public var status: Int?
        public var totalMs: Double?
        public var error: String?
    }

    public static func get(url: String, device: String?, resolved: IPAddress? = nil, timeout: Double) -> Result {
        guard wgu_curl_load() == 0 else { return Result(error: String(cString: wgu_curl_error())) }
        guard let h = wgu_curl_easy_init() else { return Result(error: "curl_easy_init failed") }
        defer { wgu_curl_easy_cleanup(h) }
        wgu_curl_setopt_str(h, CURLOPT_URL, url)
        wgu_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        wgu_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        wgu_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(timeout * 1000))
        wgu_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0)
        wgu_curl_setopt_str(h, CURLOPT_USERAGENT, "wireguard-uplink-probe")
        wgu_curl_discard_body(h, 65536)
        if let device { wgu_curl_setopt_str(h, CURLOPT_INTERFACE, "if!" + device) }
        var resolve: UnsafeMutablePointer<curl_slist>? = nil
        if let resolved, let (host, port) = hostPort(url) {
            resolve = wgu_curl_slist_append(nil, "\(host):\(port):\(resolved)")
            wgu_curl_setopt_ptr(h, CURLOPT_RESOLVE, UnsafeMutableRawPointer(resolve))
        }
        defer { if let resolve { wgu_curl_slist_free_all(resolve) } }
        let rc = wgu_curl_easy_perform(h)
        var code = 0
        wgu_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &code)
        var total = 0.0
        wgu_curl_getinfo_double(h, CURLINFO_TOTAL_TIME, &total)
        if rc != CURLE_OK {
            let msg = wgu_curl_easy_strerror(rc).map { String(cString: $0) } ?? "curl error \(rc.rawValue)"
            return Result(status: code == 0 ? nil : code, totalMs: total * 1000, error: msg)
        }
        return Result(status: code, totalMs: total * 1000, error: nil)
    }

    /// Host and port of an http(s) URL (for CURLOPT_RESOLVE).
    static func hostPort(_ url: String) -> (String, Int)? {
        let https = url.hasPrefix("https://")
        guard https || url.hasPrefix("http://") else { return nil }
        var rest = url.dropFirst(https ? 8 : 7)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.lastIndex(of: ":"), !rest.hasPrefix("["), let p = Int(rest[rest.index(after: colon)...]) {
            return (String(rest[..<colon]), p)
        }
        return (String(rest), https ? 443 : 80)
    }

    public static func host(_ url: String) -> String? { hostPort(url)?.0 }
}
