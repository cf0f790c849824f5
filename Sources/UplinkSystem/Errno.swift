#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public func errnoText(_ e: Int32 = errno) -> String {
    guard let s = strerror(e) else { return "error \(e)" }
    return String(cString: s)
}
