import UplinkApp
import UplinkCore
import UplinkSystem

enum UplinkCoreJSON {
    static func parse(_ path: String) throws -> JSONValue { try JSON.parse(try Files.read(path) ?? []) }
}

enum UplinkAppRPCD {
    static var methodNames: [String] { RPCD.methods.map(\.0) }
    static var writeMethods: Set<String> { RPCD.writeMethods }
}
