#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// Looks up endpoint host names (IPv4 preferred), for the mwan3 endpoint rules.
public enum Resolver {
    public static func resolve(_ host: String) -> IPAddress? {
        if let a = IPAddress(host) { return a }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, nil, &hints, &res) == 0, let first = res else { return nil }
        defer { freeaddrinfo(res) }
        var found: IPAddress? = nil
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            var buf = [CChar](repeating: 0, count: 64)
            if ai.pointee.ai_family == AF_INET {
                ai.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var a = sin.pointee.sin_addr
                    inet_ntop(AF_INET, &a, &buf, 64)
                }
                if let a = IPAddress(String(cString: buf)) { return a }
            } else if ai.pointee.ai_family == AF_INET6, found == nil {
                ai.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                    var a = sin.pointee.sin6_addr
                    inet_ntop(AF_INET6, &a, &buf, 64)
                }
                found = IPAddress(String(cString: buf))
            }
            p = ai.pointee.ai_next
        }
        return found
    }
}
